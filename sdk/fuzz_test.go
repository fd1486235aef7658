package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/connkit/connkit/manifest"
)

var fuzzFields = []manifest.Field{
	{Key: "name", Label: "Name", Type: manifest.FieldString, Required: true, Pattern: "[a-z]+"},
	{Key: "secret", Label: "Secret", Type: manifest.FieldSecret, Required: true},
	{Key: "count", Label: "Count", Type: manifest.FieldNumber},
	{Key: "flag", Label: "Flag", Type: manifest.FieldBoolean},
	{Key: "env", Label: "Env", Type: manifest.FieldSelect, Default: "prod",
		Options: []manifest.Option{{Value: "prod", Label: "P"}, {Value: "test", Label: "T"}}},
	{Key: "site", Label: "Site", Type: manifest.FieldURL},
}

// FuzzConnectValues checks the values a user gives Connect: never a panic,
// typed values on success, and messages that never depend on (so never
// quote) a secret's value.
func FuzzConnectValues(f *testing.F) {
	f.Add("ada", "s3cr3t", "12.5", "true", "test", "https://x.example", "")
	f.Add("", "", "NaN", "yes", "dev", "ftp://x", "extra")
	f.Add("ADA", "a\r\nb", "0x10", "1", "", "https://", "name")
	f.Add("a", "\x00", "1e400", "F", "prod", "http://[::1]:80/", "secret")
	fs, err := compileFields(fuzzFields)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, secretValue, count, flag, env, site, extra string) {
		values := Values{"name": name, "secret": secretValue, "count": count, "flag": flag, "env": env, "site": site}
		if extra != "" {
			values[extra] = "x"
		}
		out, err := fs.check(values)
		if secretValue != "" {
			values["secret"] = "z"
			_, other := fs.check(values)
			if (err == nil) != (other == nil) || err != nil && err.Error() != other.Error() {
				t.Fatalf("the outcome depends on the secret's value: %v vs %v", err, other)
			}
		}
		if err != nil {
			var ve *ValuesError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("error %v is not a *ValuesError with problems", err)
			}
			return
		}
		if n, ok := out["count"]; ok {
			if _, err := json.Marshal(n); err != nil {
				t.Fatalf("count %v cannot be encoded: %v", n, err)
			}
		}
		if b, ok := out["flag"]; ok {
			if _, isBool := b.(bool); !isBool {
				t.Fatalf("flag is %T", b)
			}
		}
		if e := out["env"]; e != "prod" && e != "test" {
			t.Fatalf("env %v is not an option", e)
		}
	})
}

var fuzzInputs = []manifest.Input{
	{Key: "q", Type: manifest.InputString, Required: true},
	{Key: "limit", Type: manifest.InputNumber, Default: "50"},
	{Key: "on", Type: manifest.InputBoolean},
}

// FuzzActionInputs types action inputs decoded from JSON: never a panic,
// and typed inputs always encode into a JSON body.
func FuzzActionInputs(f *testing.F) {
	f.Add([]byte(`{"q":"x","limit":7,"on":true}`))
	f.Add([]byte(`{"q":1,"limit":"7.5","on":"false"}`))
	f.Add([]byte(`{"limit":"NaN","on":"maybe","x":null}`))
	f.Add([]byte(`{"q":{"a":[1]},"limit":1e999}`))
	f.Add([]byte(`{"q":"a","limit":"0x1p3"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var input map[string]any
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		if d.Decode(&input) != nil {
			return
		}
		out, err := checkInputs(fuzzInputs, input)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("typed inputs %v cannot be encoded: %v", out, err)
		}
		if _, ok := out["q"].(string); !ok {
			t.Fatalf("q is %T", out["q"])
		}
	})
}
