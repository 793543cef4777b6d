package config

import (
	"fmt"
	"slices"
)

// Regions returns every Region the pinned AWS CDK knows, sorted: the names of
// aws-cdk-lib's region facts (regioninfo.RegionInfo_Regions). The list is kept
// here, not asked of the CDK, so that tools that load the settings need no
// jsii runtime; TestRegionsAreTheCDKs (infra) fails when the pinned CDK knows
// another list.
func Regions() []string {
	return []string{
		"af-south-1",
		"ap-east-1", "ap-east-2",
		"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
		"ap-south-1", "ap-south-2",
		"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
		"ca-central-1", "ca-west-1",
		"cn-north-1", "cn-northwest-1",
		"eu-central-1", "eu-central-2",
		"eu-isoe-west-1",
		"eu-north-1",
		"eu-south-1", "eu-south-2",
		"eu-west-1", "eu-west-2", "eu-west-3",
		"eusc-de-east-1",
		"il-central-1",
		"me-central-1", "me-south-1", "me-west-1",
		"mx-central-1",
		"sa-east-1",
		"us-east-1", "us-east-2",
		"us-gov-east-1", "us-gov-west-1",
		"us-iso-east-1", "us-iso-west-1",
		"us-isob-east-1", "us-isob-west-1",
		"us-isof-east-1", "us-isof-south-1",
		"us-west-1", "us-west-2",
	}
}

// RegionsWithoutServerless returns the Regions of Regions where the pinned cfn-lint's region
// data has no AWS::RedshiftServerless::Namespace or ::Workgroup, so CloudFormation would refuse
// the stack. TestRegionsWithoutServerlessAreCfnLints (infra) runs cfn-lint over a namespace and a
// workgroup in every Region and fails when its answer differs.
func RegionsWithoutServerless() []string {
	return []string{"ap-southeast-4", "me-south-1"}
}

// RegionsUnknownToLinter returns the Regions of Regions the pinned cfn-lint has no data for, so
// that nothing here can check the template's resource types exist there.
// TestRegionsWithoutServerlessAreCfnLints (infra) checks that cfn-lint refuses each.
func RegionsUnknownToLinter() []string {
	return []string{"me-west-1"}
}

// UsableRegions returns the Regions of Regions that can host the stack, sorted.
func UsableRegions() []string {
	var out []string
	for _, r := range Regions() {
		if checkRegion(r) == "" {
			out = append(out, r)
		}
	}
	return out
}

// checkRegion returns why region cannot host the stack, or "" when it can.
func checkRegion(region string) string {
	switch {
	case slices.Contains(RegionsWithoutServerless(), region):
		return fmt.Sprintf("Redshift Serverless is not offered there: the pinned cfn-lint's region data has no AWS::RedshiftServerless::Namespace or ::Workgroup in %s", region)
	case slices.Contains(RegionsUnknownToLinter(), region):
		return fmt.Sprintf("the pinned cfn-lint has no resource data for %s, so nothing checks that Redshift Serverless exists there", region)
	case slices.Contains(Regions(), region):
		return ""
	}
	if near := nearest(region, Regions()); near != "" {
		return fmt.Sprintf("not a Region the AWS CDK knows; did you mean %q?", near)
	}
	return "not a Region the AWS CDK knows, such as eu-west-1"
}

// nearest returns the candidate within two edits of s, the closest first, or "".
func nearest(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
