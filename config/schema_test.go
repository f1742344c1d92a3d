package config

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/reviewq/reviewq/styles"
)

// The published schema and the loader agree on every name: a setting
// added to one and not the other fails here.
func TestSchemaNamesWhatTheLoaderReads(t *testing.T) {
	data, err := os.ReadFile("../docs/config.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("docs/config.schema.json: %v", err)
	}
	object := func(path ...string) map[string]any {
		t.Helper()
		var node any = schema
		for _, p := range path {
			switch n := node.(type) {
			case map[string]any:
				node = n[p]
			case []any:
				node = n[int(p[0]-'0')]
			}
			if node == nil {
				t.Fatalf("the schema has no %v", path)
			}
		}
		return node.(map[string]any)
	}
	for _, c := range []struct {
		what   string
		path   []string
		want   []string
		strict bool
	}{
		{"the file", nil, yamlKeys(reflect.TypeFor[File]()), true},
		{"a profile", []string{"$defs", "profile"}, yamlKeys(reflect.TypeFor[Profile]()), true},
		{"tls", []string{"$defs", "profile", "properties", "tls"}, yamlKeys(reflect.TypeFor[TLS]()), true},
		{"the theme", []string{"properties", "theme", "oneOf", "1"}, yamlKeys(reflect.TypeFor[Theme]()), true},
		{"the colours", []string{"properties", "theme", "oneOf", "1", "properties", "colors"}, styles.ColorNames(), true},
	} {
		obj := object(c.path...)
		var got []string
		for name := range obj["properties"].(map[string]any) {
			got = append(got, name)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(c.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s: the schema names %v, the loader reads %v", c.what, got, want)
		}
		if c.strict && obj["additionalProperties"] != false {
			t.Errorf("%s: the schema lets unknown names through; the loader refuses them", c.what)
		}
	}
	var modes []string
	for _, m := range object("$defs", "mode")["enum"].([]any) {
		modes = append(modes, m.(string))
	}
	if slices.Sort(modes); !slices.Equal(modes, []string{"auto", "dark", "light"}) {
		t.Errorf("modes %v", modes)
	}
}
