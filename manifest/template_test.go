package manifest

import "testing"

// TestFileTemplate checks that File.Template hands out the loader's parse
// of a template, and parses text the loader did not see.
func TestFileTemplate(t *testing.T) {
	src := "connkit: v1\nid: x\nname: X\nbase_url: https://{{ fields.host }}/api\nlabel: plain text\n"
	f, err := Parse("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.Template("https://{{ fields.host }}/api")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.Template("https://{{ fields.host }}/api")
	if a != b {
		t.Error("a template the loader parsed is parsed again")
	}
	if refs := a.Refs(); len(refs) != 1 || refs[0].String() != "fields.host" {
		t.Errorf("refs = %v, want [fields.host]", refs)
	}
	lit, err := f.Template("plain text")
	if err != nil || !lit.IsLiteral() || lit.Source() != "plain text" {
		t.Errorf("literal: %v, %v", lit, err)
	}
	if _, err := f.Template("{{ fields. }}"); err == nil {
		t.Error("a bad template the loader did not see parsed without error")
	}
	if len(f.templates) != 1 {
		t.Errorf("the loader kept %d templates, want 1", len(f.templates))
	}
}
