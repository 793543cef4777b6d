package config

import (
	"strings"
	"testing"
)

func TestCheckNameAndValidName(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		wantErr bool
	}{
		{name: "staging", env: "staging"},
		{name: "one letter", env: "a"},
		{name: "digits and hyphens", env: "qa-2"},
		{name: "twenty characters", env: strings.Repeat("e", 20)},
		{name: "twenty-one characters", env: strings.Repeat("e", 21), wantErr: true},
		{name: "empty", env: "", wantErr: true},
		{name: "upper case", env: "Staging", wantErr: true},
		{name: "leading digit", env: "1st", wantErr: true},
		{name: "underscore", env: "qa_2", wantErr: true},
		{name: "space", env: "a b", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckName(tt.env)
			switch {
			case tt.wantErr && (err == nil || !strings.Contains(err.Error(), `environment "`+tt.env+`": want 1 to 20`)):
				t.Errorf("CheckName(%q) = %v, want an error naming the value and the rule", tt.env, err)
			case !tt.wantErr && err != nil:
				t.Errorf("CheckName(%q) = %v, want nil", tt.env, err)
			}
			if got := ValidName(tt.env); got != !tt.wantErr {
				t.Errorf("ValidName(%q) = %t, want %t", tt.env, got, !tt.wantErr)
			}
		})
	}
	if got, want := StackName("qa-2"), "chatstream-qa-2"; got != want {
		t.Errorf("StackName(qa-2) = %q, want %q", got, want)
	}
}
