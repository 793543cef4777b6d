// Command predeploy runs the checks make deploy runs before cdk deploy: check-update refuses an update CloudFormation cannot apply safely, and cost states what the environment costs and asks to go on.
package main
