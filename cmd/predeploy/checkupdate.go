package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/smithy-go"

	"github.com/chatstream/chatstream/infra/config"
	"github.com/chatstream/chatstream/internal/updatecheck"
)

type checkUpdateArgs struct {
	env, settings, template, base string
	allowRebuild                  bool
}

// errRefused reports a refused update; the findings are printed already.
var errRefused = errors.New("update refused; nothing was deployed")

// checkUpdate compares the template about to be deployed with base, or with
// the template of the deployed stack, and prints what it finds.
func checkUpdate(ctx context.Context, e env, a checkUpdateArgs) error {
	settings, err := config.LoadFile(a.settings, a.env)
	if err != nil {
		return err
	}
	next, err := readTemplate(a.template)
	if err != nil {
		return err
	}
	stack := settings.StackName()
	var base updatecheck.Template
	against := a.base
	if a.base != "" {
		if base, err = readTemplate(a.base); err != nil {
			return err
		}
	} else {
		body, found, err := deployedTemplate(ctx, e, stack, settings.Region)
		if err != nil {
			return err
		}
		if !found {
			fmt.Fprintf(e.stdout, "check-update %s: no such stack deployed yet, so nothing to compare: a first deploy creates every resource.\n", stack)
			return nil
		}
		if base, err = updatecheck.Parse([]byte(body)); err != nil {
			return fmt.Errorf("the deployed template of %s: %w", stack, err)
		}
		against = "the deployed stack's template"
	}

	report := updatecheck.Check(base, next, updatecheck.Options{AllowRebuild: a.allowRebuild})
	fmt.Fprintf(e.stdout, "check-update %s: %s against %s\n", stack, a.template, against)
	for _, f := range report.Findings {
		verdict := "REFUSED"
		if f.Allowed {
			verdict = "ALLOWED"
		}
		fmt.Fprintf(e.stdout, "  %s [%s] %s: %s.\n", verdict, f.Rule, f.Resource, f.Message)
	}
	if report.Refused() {
		return errRefused
	}
	fmt.Fprintln(e.stdout, "  OK: CloudFormation can apply this update.")
	return nil
}

func readTemplate(path string) (updatecheck.Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return updatecheck.Template{}, fmt.Errorf("read template: %w", err)
	}
	t, err := updatecheck.Parse(data)
	if err != nil {
		return updatecheck.Template{}, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// deployedTemplate returns the template the stack was last deployed with,
// as submitted (TemplateStage Original), or found false when there is no
// such stack.
func deployedTemplate(ctx context.Context, e env, stack, region string) (string, bool, error) {
	api, err := e.newCFN(ctx, region)
	if err != nil {
		return "", false, err
	}
	out, err := api.GetTemplate(ctx, &cloudformation.GetTemplateInput{
		StackName:     aws.String(stack),
		TemplateStage: cfntypes.TemplateStageOriginal,
	})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" && strings.Contains(apiErr.ErrorMessage(), "does not exist") {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read the deployed template of %s: %w (or pass BASE=<template.json> to compare with a file)", stack, err)
	}
	return aws.ToString(out.TemplateBody), true, nil
}
