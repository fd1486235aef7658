package manifest

import (
	"strings"

	"github.com/connkit/connkit/manifest/interp"
)

// Template returns template s, a template of the file, parsed: the parse
// the loader made when it checked the file, or a new one for text it did
// not see. A File is safe for concurrent use by Template.
func (f *File) Template(s string) (*interp.Template, error) {
	if t, ok := f.templates[s]; ok {
		return t, nil
	}
	if !strings.Contains(s, "{{") {
		return interp.Lit(s), nil
	}
	return interp.Parse(s)
}
