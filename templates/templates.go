// Package templates holds the scaffolding templates of connkit init, one
// commented, valid manifest per auth style, embedded in the binary.
//
// Each template starts with a comment whose "Template:" paragraph is its
// summary, and has top-level id: and name: lines that Render replaces.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/connkit/connkit/internal/suggest"
)

// FS holds the template files, NAME.yaml each.
//
//go:embed *.yaml
var FS embed.FS

// ext is the extension of the template files.
const ext = ".yaml"

// maxNameLen is the longest display name a manifest takes, in characters.
const maxNameLen = 50

// maxIDLen is the longest id a manifest takes.
const maxIDLen = 64

// ErrUnknownTemplate is the error, wrapped, of Render for a template name
// that does not exist.
var ErrUnknownTemplate = errors.New("unknown template")

// Template describes one template.
type Template struct {
	// Name is what connkit init --template takes, such as api-key.
	Name string
	// Summary is the template's "Template:" comment paragraph, one line.
	Summary string
}

// List returns the templates sorted by name.
func List() []Template {
	names := names()
	out := make([]Template, 0, len(names))
	for _, n := range names {
		src, _ := FS.ReadFile(n + ext) // listed by names, so readable
		out = append(out, Template{Name: n, Summary: summary(src)})
	}
	return out
}

// names returns the template names, sorted.
func names() []string {
	files, _ := fs.Glob(FS, "*"+ext) // the pattern is valid
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = strings.TrimSuffix(path.Base(f), ext)
	}
	slices.Sort(out)
	return out
}

// summary returns the "Template:" paragraph of a template's leading
// comment, joined into one line, without its final period, capitalised.
func summary(src []byte) string {
	var parts []string
	for line := range strings.Lines(string(src)) {
		text, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "#")
		if !ok {
			break // the leading comment ended
		}
		text = strings.TrimSpace(text)
		if rest, ok := strings.CutPrefix(text, "Template:"); ok {
			parts = []string{strings.TrimSpace(rest)}
			continue
		}
		if parts == nil {
			continue
		}
		if text == "" {
			break
		}
		parts = append(parts, text)
	}
	s := strings.TrimSuffix(strings.Join(parts, " "), ".")
	if r, size := utf8.DecodeRuneInString(s); size > 0 {
		s = string(unicode.ToUpper(r)) + s[size:]
	}
	return s
}

// idPattern is the manifest's id rule.
var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Render returns the template called name with its id: and name: lines set
// to id and displayName. An empty displayName is made from the id ("acme-crm"
// gives "Acme Crm"). The id must be a slug (lower-case letters, digits and
// single dashes, at most 64 characters) and the display name at most 50
// characters on one line; surrounding spaces are removed.
func Render(name, id, displayName string) ([]byte, error) {
	src, err := FS.ReadFile(name + ext)
	if err != nil {
		hint := ""
		if near := suggest.Nearest(name, names()); near != "" {
			hint = fmt.Sprintf(" (did you mean %q?)", near)
		}
		return nil, fmt.Errorf("%w %q%s: the templates are %s", ErrUnknownTemplate, name, hint, strings.Join(names(), ", "))
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	if displayName == "" {
		displayName = nameFromID(id)
	}
	quoted, err := quoteName(displayName)
	if err != nil {
		return nil, err
	}
	idText, err := scalar(id)
	if err != nil {
		return nil, err
	}
	out, err := setLine(src, "id", idText)
	if err == nil {
		out, err = setLine(out, "name", quoted)
	}
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return out, nil
}

// checkID reports an id that is not a slug, with a suggestion.
func checkID(id string) error {
	switch {
	case id == "":
		return errors.New("the id is empty: give the connector's slug, such as acme-crm")
	case len(id) > maxIDLen:
		return fmt.Errorf("the id is %d characters long; an id is at most %d", len(id), maxIDLen)
	case !idPattern.MatchString(id):
		return fmt.Errorf("id %q is not a slug: use lower-case letters, digits and single dashes, such as %q", id, slug(id))
	}
	return nil
}

// slug suggests a slug for s: its letters and digits in lower case, each
// run of other characters one dash.
func slug(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if len(words) == 0 {
		return "my-connector"
	}
	return strings.Join(words, "-")
}

// nameFromID makes a display name from an id: its words capitalised.
func nameFromID(id string) string {
	words := strings.Split(id, "-")
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// quoteName checks a display name and writes it as a YAML scalar.
func quoteName(n string) (string, error) {
	n = strings.TrimSpace(n)
	switch {
	case n == "":
		return "", errors.New("the name is empty: give the API's display name, such as \"Acme CRM\"")
	case !utf8.ValidString(n):
		return "", errors.New("the name is not valid UTF-8")
	case utf8.RuneCountInString(n) > maxNameLen:
		return "", fmt.Errorf("the name is %d characters long; a display name is at most %d", utf8.RuneCountInString(n), maxNameLen)
	}
	for _, r := range n {
		if !unicode.IsPrint(r) && r != ' ' {
			return "", fmt.Errorf("the name holds the character %U: use printable characters on one line", r)
		}
	}
	return scalar(n)
}

// scalar writes a one-line string as a YAML scalar that reads back as that
// string: plain where it can be, quoted where YAML would read another type
// ("0", "true") or syntax ("a: b", "# c").
func scalar(s string) (string, error) {
	b, err := yaml.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("encode %q as YAML: %w", s, err)
	}
	return strings.TrimSuffix(string(b), "\n"), nil
}

// setLine replaces the value of the one top-level "key:" line of a
// template.
func setLine(src []byte, key, value string) ([]byte, error) {
	prefix := []byte(key + ":")
	var out bytes.Buffer
	found := 0
	for line := range bytes.Lines(src) {
		if bytes.HasPrefix(line, prefix) {
			found++
			out.WriteString(key + ": " + value + "\n")
			continue
		}
		out.Write(line)
	}
	if found != 1 {
		return nil, fmt.Errorf("has %d top-level %q lines, want one", found, key+":")
	}
	return out.Bytes(), nil
}
