package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
)

// FromContext returns the validated settings of the environment env, read from value, the content
// of the ContextKey context entry: an object mapping environment names to settings. Settings the
// environment leaves out take their Defaults. An empty env selects DefaultEnv.
func FromContext(value any, env string) (Environment, error) {
	if env == "" {
		env = DefaultEnv
	}
	if value == nil {
		return Environment{}, fmt.Errorf("context %s is missing: cdk.json must map environment names to settings under it", ContextKey)
	}
	envs, ok := value.(map[string]any)
	if !ok {
		return Environment{}, fmt.Errorf("context %s = %s: want an object mapping environment names to settings", ContextKey, show(value))
	}
	raw, ok := envs[env]
	if !ok {
		return Environment{}, fmt.Errorf("%s = %q: no such environment in context %s (defined: %s)",
			EnvContextKey, env, ContextKey, strings.Join(slices.Sorted(maps.Keys(envs)), ", "))
	}
	if !ValidName(env) {
		return Environment{}, fmt.Errorf("%s = %q: %s", EnvContextKey, env, envNameRule)
	}
	settings, ok := raw.(map[string]any)
	if !ok {
		return Environment{}, fmt.Errorf("%s.%s = %s: want an object of settings", ContextKey, env, show(raw))
	}
	e := Defaults(env)
	if err := unknownKeys(settings, reflect.TypeFor[Environment](), ContextKey+"."+env); err != nil {
		return Environment{}, err
	}
	data, err := json.Marshal(settings)
	if err != nil {
		return Environment{}, fmt.Errorf("encode %s.%s: %w", ContextKey, env, err)
	}
	if err := json.Unmarshal(data, &e); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return Environment{}, fmt.Errorf("%s = %s: want a %s", e.key(typeErr.Field), show(lookup(settings, typeErr.Field)), typeErr.Type)
		}
		return Environment{}, fmt.Errorf("decode %s.%s: %w", ContextKey, env, err)
	}
	if err := e.Validate(); err != nil {
		return Environment{}, err
	}
	return e, nil
}

// LoadFile reads the cdk.json at path and returns the validated settings of the environment env,
// so that tools other than the CDK app learn stream, workgroup and database names from one place.
func LoadFile(path, env string) (Environment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Environment{}, fmt.Errorf("read settings: %w", err)
	}
	var file struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		return Environment{}, fmt.Errorf("parse %s: %w", path, err)
	}
	e, err := FromContext(file.Context[ContextKey], env)
	if err != nil {
		return Environment{}, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

// unknownKeys rejects settings that no field of t (or of its nested structs) decodes, so that a
// misspelt key fails loudly instead of silently keeping its default.
func unknownKeys(settings map[string]any, t reflect.Type, path string) error {
	fields := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(settings)) {
		ft, ok := fields[key]
		if !ok {
			errs = append(errs, fmt.Errorf("%s.%s = %s: unknown setting (known: %s)",
				path, key, show(settings[key]), strings.Join(slices.Sorted(maps.Keys(fields)), ", ")))
			continue
		}
		if nested, ok := settings[key].(map[string]any); ok && ft.Kind() == reflect.Struct {
			if err := unknownKeys(nested, ft, path+"."+key); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// lookup returns the value at a dotted path such as "warehouse.baseCapacity", or nil.
func lookup(settings map[string]any, path string) any {
	var v any = settings
	for part := range strings.SplitSeq(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// show renders a setting's value as JSON, so strings appear quoted and lists readable.
func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}
