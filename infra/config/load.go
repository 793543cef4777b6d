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
	// Every problem at once: decoding keeps going past an unknown key or a wrong type (which
	// keeps its default), and validation then checks everything that did decode.
	errs := decode(settings, reflect.ValueOf(&e).Elem(), ContextKey+"."+env)
	if err := e.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return Environment{}, errors.Join(errs...)
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

// decode sets the fields of dst, a struct, from settings, and returns one error per key it could
// not use, each naming the key and the value: a key no field decodes (so that a misspelt key
// fails loudly instead of silently keeping its default), null, or a value of the wrong type.
// A field whose value is refused keeps what it had.
func decode(settings map[string]any, dst reflect.Value, path string) []error {
	fields := map[string]reflect.Value{}
	for i := range dst.NumField() {
		name, _, _ := strings.Cut(dst.Type().Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = dst.Field(i)
		}
	}
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(settings)) {
		value, keyPath := settings[key], path+"."+key
		field, ok := fields[key]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s = %s: unknown setting (known: %s)",
				keyPath, show(value), strings.Join(slices.Sorted(maps.Keys(fields)), ", ")))
		case field.Kind() == reflect.Struct:
			nested, isObject := value.(map[string]any)
			if !isObject {
				errs = append(errs, fmt.Errorf("%s = %s: want an object of settings; leave the key out for the defaults", keyPath, show(value)))
				continue
			}
			errs = append(errs, decode(nested, field, keyPath)...)
		case value == nil:
			errs = append(errs, fmt.Errorf("%s = null: want %s; leave the key out for the default", keyPath, kind(field.Type())))
		default:
			// Through JSON, so that a number with a fraction or beyond the range of int is refused
			// exactly as encoding/json refuses it.
			data, err := json.Marshal(value)
			if err == nil {
				v := reflect.New(field.Type())
				if err = json.Unmarshal(data, v.Interface()); err == nil {
					field.Set(v.Elem())
					continue
				}
			}
			errs = append(errs, fmt.Errorf("%s = %s: want %s", keyPath, show(value), kind(field.Type())))
		}
	}
	return errs
}

// kind describes a setting's type the way a person writing cdk.json thinks of it.
func kind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "a whole number (int)"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(kind(t.Elem()), "a ") + "s"
	}
	return t.String()
}

// show renders a setting's value as JSON, so strings appear quoted and lists readable.
func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}
