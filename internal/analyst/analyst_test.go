package analyst

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshiftdata"
	"github.com/chatstream/chatstream/internal/dataapi"
	"github.com/chatstream/chatstream/internal/stack/stacktest"
	"github.com/google/go-cmp/cmp"
)

const role = "arn:aws:iam::123456789012:role/chatstream-staging-AnalystRole-1A2B3C"

var staging = stacktest.Stacks{"chatstream-staging": {
	"WorkgroupName":  "chatstream-staging",
	"DatabaseName":   "chatstream",
	"AdminSecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:admin-AbCdEf",
	"AnalystRoleArn": role,
}}

func TestLookup(t *testing.T) {
	got, err := Lookup(t.Context(), staging, "staging")
	if err != nil {
		t.Fatal(err)
	}
	// The admin secret is in the stack, and never in the target.
	want := Access{Env: "staging", Target: dataapi.Target{Workgroup: "chatstream-staging", Database: "chatstream"}, RoleARN: role}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Lookup (-want +got):\n%s", diff)
	}
	if want := "staging: workgroup chatstream-staging, database chatstream, through the Redshift Data API as the analyst role " + role; got.String() != want {
		t.Errorf("String() = %q, want %q", got.String(), want)
	}
}

func TestLookupRefuses(t *testing.T) {
	older := stacktest.Stacks{"chatstream-staging": {"WorkgroupName": "chatstream-staging", "DatabaseName": "chatstream"}}
	tests := []struct {
		name    string
		stacks  stacktest.Stacks
		env     string
		wantErr []string
	}{
		{name: "bad environment", stacks: staging, env: "Staging", wantErr: []string{`environment "Staging"`}},
		{name: "no stack", stacks: stacktest.Stacks{}, env: "staging", wantErr: []string{"Stack with id chatstream-staging does not exist", "next: deploy the stack (make deploy ENV=staging)"}},
		{name: "a stack from before the analyst role", stacks: older, env: "staging", wantErr: []string{"lacks the outputs AnalystRoleArn", "next: deploy the stack"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Lookup(t.Context(), tt.stacks, tt.env)
			for _, want := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Lookup = %v; want an error containing %q", err, want)
				}
			}
		})
	}
}

func TestAdvise(t *testing.T) {
	denied := errors.New("operation error STS: AssumeRole, https response error StatusCode: 403, api error AccessDenied: not allowed")
	if got := Advise(denied, role).Error(); !strings.HasSuffix(got, "\nnext: queries run as the analyst role "+role+"; your credentials must be allowed sts:AssumeRole on it") {
		t.Errorf("Advise(AccessDenied) = %q; want the role named and what it needs", got)
	}
	other := errors.New("statement failed: relation does not exist")
	if got := Advise(other, role); got != other {
		t.Errorf("Advise(%v) = %v; want it unchanged", other, got)
	}
	if Advise(nil, role) != nil {
		t.Error("Advise(nil) is not nil")
	}
}

// fakeAWS answers STS AssumeRole and the Data API's ExecuteStatement on
// 127.0.0.1, and records who signed each request.
type fakeAWS struct {
	mu       sync.Mutex
	assumed  []url.Values // the AssumeRole forms
	executed []string     // the access key that signed each ExecuteStatement
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	// SigV4: "AWS4-HMAC-SHA256 Credential=<access key>/<date>/…".
	key, _, _ := strings.Cut(strings.TrimPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="), "/")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Header.Get("X-Amz-Target") == "RedshiftData.ExecuteStatement":
		f.executed = append(f.executed, key)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"Id":"st-1"}`)
	default:
		form, _ := url.ParseQuery(string(body))
		if form.Get("Action") != "AssumeRole" || key != "AKIACALLER" {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		f.assumed = append(f.assumed, form)
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAANALYST</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>`+role+`/chatstream-test</Arn><AssumedRoleId>AROAEXAMPLE:chatstream-test</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>`)
	}
}

func TestAssumeWithSignsAsTheRole(t *testing.T) {
	// GIVEN the caller's credentials, and STS and the Data API on this
	// machine
	fake := &fakeAWS{}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       "eu-west-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIACALLER", "s", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
	}
	access, err := Lookup(t.Context(), staging, "staging")
	if err != nil {
		t.Fatal(err)
	}

	// WHEN two statements run through the runner of the analyst access
	r, err := access.Runner(t.Context(), AssumeWith(cfg, "chatstream-test"), "chatstream-test:")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := r.API.ExecuteStatement(t.Context(), &redshiftdata.ExecuteStatementInput{Sql: aws.String("SELECT 1"), WorkgroupName: aws.String("w")}); err != nil {
			t.Fatal(err)
		}
	}

	// THEN the caller assumed the role once, under the session name, and
	// the Data API saw only the role's credentials
	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.assumed) != 1 || fake.assumed[0].Get("RoleArn") != role || fake.assumed[0].Get("RoleSessionName") != "chatstream-test" {
		t.Errorf("AssumeRole calls = %v; want one for %s as chatstream-test", fake.assumed, role)
	}
	if diff := cmp.Diff([]string{"ASIAANALYST", "ASIAANALYST"}, fake.executed); diff != "" {
		t.Errorf("ExecuteStatement signed by (-want +got):\n%s", diff)
	}
	if r.Target.SecretARN != "" || r.Label != "chatstream-test:" {
		t.Errorf("runner target %+v, label %q; want no secret and the label", r.Target, r.Label)
	}
}

func TestRunnerSaysWhatToCheckWhenSignInFails(t *testing.T) {
	access := Access{Env: "staging", RoleARN: role}
	_, err := access.Runner(t.Context(), func(context.Context, string) (dataapi.API, error) {
		return nil, errors.New("api error AccessDenied: no")
	}, "x:")
	if err == nil || !strings.Contains(err.Error(), "sign in as "+role) || !strings.Contains(err.Error(), "sts:AssumeRole") {
		t.Errorf("Runner = %v; want the role named and what it needs", err)
	}
}
