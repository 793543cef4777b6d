package awsconfig

import (
	"errors"
	"strings"
	"testing"

	"github.com/chatstream/chatstream/internal/awsconfig/awsconfigtest"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name        string
		env         map[string]string
		config      string
		credentials string
		wantMissing string // MissingError.What; "" for none
		wantErr     string // the error contains it; "" for success
	}{
		{
			name:        "nothing configured: the Region is missing first",
			wantMissing: "AWS Region",
			wantErr:     "no AWS Region (looked in AWS_REGION",
		},
		{
			name:        "a Region but no credentials",
			env:         map[string]string{"AWS_REGION": "eu-west-1"},
			wantMissing: "AWS credentials",
			wantErr:     "no AWS credentials (looked in AWS_ACCESS_KEY_ID",
		},
		{
			name:        "the profile's Region but no credentials",
			config:      "[default]\nregion = eu-west-1\n",
			wantMissing: "AWS credentials",
			wantErr:     "no AWS credentials",
		},
		{
			name: "keys in the environment",
			env:  map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"},
		},
		{
			name:        "a named profile with keys",
			env:         map[string]string{"AWS_PROFILE": "dev"},
			config:      "[profile dev]\nregion = eu-west-1\n",
			credentials: "[dev]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n",
		},
		{
			name:    "a profile that does not exist keeps the SDK's error",
			env:     map[string]string{"AWS_PROFILE": "nope", "AWS_REGION": "eu-west-1"},
			wantErr: "load AWS configuration: failed to get shared config profile, nope",
		},
		{
			name:    "configured credentials that fail keep the SDK's error",
			env:     map[string]string{"AWS_PROFILE": "broken"},
			config:  "[profile broken]\nregion = eu-west-1\ncredential_process = /bin/false\n",
			wantErr: "get AWS credentials: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			awsconfigtest.Isolate(t, tt.config, tt.credentials)
			for name, v := range tt.env {
				t.Setenv(name, v)
			}
			cfg, err := Load(t.Context())
			var missing *MissingError
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Load() = %v, want success", err)
			case tt.wantErr == "":
				if cfg.Region != "eu-west-1" {
					t.Errorf("Region %q, want eu-west-1", cfg.Region)
				}
				return
			case err == nil || !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("Load() = %v, want an error containing %q", err, tt.wantErr)
			case errors.As(err, &missing) != (tt.wantMissing != ""):
				t.Fatalf("Load() = %v (%T); want a *MissingError: %t", err, err, tt.wantMissing != "")
			case missing != nil && missing.What != tt.wantMissing:
				t.Errorf("missing %q, want %q", missing.What, tt.wantMissing)
			}
			if strings.Contains(err.Error(), "IMDS") {
				t.Errorf("Load() = %v; want no word of the instance metadata service", err)
			}
		})
	}
}

func TestAdvised(t *testing.T) {
	missing := noRegion()
	if got, want := Advised(missing).Error(), missing.Error()+"\nnext: "+missing.Next; got != want {
		t.Errorf("Advised(no Region) = %q, want %q", got, want)
	}
	if !errors.As(Advised(missing), new(*MissingError)) {
		t.Error("Advised hides the *MissingError")
	}
	other := errors.New("get AWS credentials: the SSO session has expired")
	if got := Advised(other); got != other {
		t.Errorf("Advised(%v) = %v, want it unchanged", other, got)
	}
}
