package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/connkit/connkit/manifest/internal/arena"
	"github.com/connkit/connkit/manifest/internal/fastyaml"
	"github.com/connkit/connkit/manifest/interp"
)

// MaxSize is the size, in bytes, of the largest manifest file Parse, Load
// and ParseReader read: 4 MiB.
const MaxSize = 4 << 20

// Syntax is the notation a manifest file is written in.
type Syntax string

// The manifest notations.
const (
	SyntaxYAML Syntax = "yaml"
	SyntaxJSON Syntax = "json"
)

// File is a loaded manifest file: its source, the syntax tree with the
// position of every node, and the decoded manifest.
type File struct {
	// Path is the file's path as given to Parse or Load; positions carry it.
	Path string
	// Source is the file's content as read.
	Source []byte
	// Syntax is the notation the file was read as: JSON for a .json file
	// or, without a .json, .yaml or .yml extension, for content that is a
	// valid JSON object; YAML otherwise.
	Syntax Syntax
	// Manifest is the decoded manifest; never nil. When loading found
	// errors it holds what could be decoded, and is empty when the file is
	// not well-formed.
	Manifest *Manifest

	// root is the document's top node; nil when the file is not
	// well-formed or empty.
	root *yaml.Node
	// lines indexes the source's lines, for positions inside values.
	lines *lineIndex
	// templates holds the templates the loader parsed, by source text;
	// read-only once Parse returns.
	templates map[string]*interp.Template
	// arena holds the nodes of root, until Release.
	arena *arena.Arena
}

// Release gives the memory of f's syntax tree back for reuse by later
// calls of Parse, so that a loop that parses and drops file after file (as
// validator.Validate does) does not allocate a tree for each. Afterwards f
// keeps its Path, Source, Syntax and Manifest (which hold no part of the
// tree) but has no tree: Document returns nil, Pos and KeyPos give the
// start of the file and Node finds nothing. Nothing obtained from f's Node
// may be used after Release. A File that is never released is collected as
// usual.
func (f *File) Release() {
	f.root = nil
	arena.Put(f.arena)
	f.arena = nil
}

// Load reads and parses the manifest file at path (see Parse). An error
// reading the file is returned wrapped, never as Errors, so callers can tell
// I/O failures (errors.Is(err, fs.ErrNotExist)) from bad content
// (errors.As(err, new(Errors))).
func Load(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load manifest: %w", err)
	}
	defer fh.Close()
	return ParseReader(path, fh)
}

// ParseReader reads at most MaxSize+1 bytes from r and parses them (see
// Parse); path names the source in positions and chooses the notation, so
// "-" for standard input is read as JSON when it is a valid JSON object and
// as YAML otherwise. A read error is returned wrapped, never as Errors.
func ParseReader(path string, r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("load manifest %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse reads a manifest from data, strictly: it reports every unknown key
// (with the valid keys and the nearest one), duplicate key, value of the
// wrong type, template whose {{ }} syntax is wrong, bad duration and
// regular expression that does not compile, and refuses YAML anchors,
// aliases, merge keys and tags. path names the file in positions and
// chooses the notation: .json files are JSON (RFC 8259, checked strictly),
// .yaml and .yml files YAML; other names are read as JSON when the content
// is a valid JSON object and as YAML otherwise.
//
// Parse always returns a File. When the content has problems the error is
// an Errors value listing all of them, sorted by position, and the File
// holds what could be decoded. Parse does not check meaning (required keys,
// allowed values, which keys an auth type takes): that is the validator's
// job, run on File.Document and File.Manifest.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path, Source: data, Syntax: SyntaxYAML, Manifest: &Manifest{}, arena: arena.Get()}
	d := &decoder{file: f}
	if d.checkInput(data) {
		data = bytes.TrimPrefix(data, utf8BOM)
		d.lines = newLineIndex(data)
		f.lines = d.lines
		switch syntax, root := sniff(f.arena, path, data); {
		case root != nil:
			f.Syntax, f.root = SyntaxJSON, root
		case syntax == SyntaxJSON:
			f.Syntax = SyntaxJSON
			f.root = d.parseJSON(data)
		default:
			f.root = d.parseYAML(data)
		}
		if f.root != nil {
			d.decode(reflect.ValueOf(f.Manifest).Elem(), f.root)
		}
	}
	f.arena.Trim()
	if len(d.errs) == 0 {
		return f, nil
	}
	d.errs.sort()
	return f, d.errs
}

var utf8BOM = []byte("\xef\xbb\xbf")

// checkInput reports a file that is too large or not UTF-8 text, and says
// whether parsing can go on.
func (d *decoder) checkInput(data []byte) bool {
	if len(data) > MaxSize {
		d.errAt(1, 1, KindSyntax, fmt.Sprintf("the file is larger than %d MiB, the limit for a manifest", MaxSize>>20))
		return false
	}
	if bytes.HasPrefix(data, []byte("\xfe\xff")) || bytes.HasPrefix(data, []byte("\xff\xfe")) {
		d.errAt(1, 1, KindSyntax, "the file is UTF-16 text: save it as UTF-8")
		return false
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line, col := newLineIndex(data).pos(i)
		d.errAt(line, col, KindSyntax, "the file holds a NUL byte: a manifest is UTF-8 text, not binary data")
		return false
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			i += size
		}
		line, col := newLineIndex(data).pos(i)
		d.errAt(line, col, KindSyntax, "the file is not valid UTF-8 text here: save it as UTF-8")
		return false
	}
	return true
}

// sniff chooses the notation of data from the path's extension and, for
// other names, from the content: a valid JSON object is JSON, returned
// parsed so that it is scanned once; anything else is YAML.
func sniff(a *arena.Arena, path string, data []byte) (Syntax, *yaml.Node) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return SyntaxJSON, nil
	case ".yaml", ".yml":
		return SyntaxYAML, nil
	}
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		if root := newJSONScanner(a, data).document(); root != nil {
			return SyntaxJSON, root
		}
	}
	return SyntaxYAML, nil
}

// parseYAML parses data as one YAML document and returns its top node, or
// nil after reporting why there is none.
func (d *decoder) parseYAML(data []byte) (root *yaml.Node) {
	// The fast parser covers the YAML manifests are written in; for the
	// rest, and for every error message, yaml.v3 parses the file.
	if n, ok := fastyaml.Parse(d.file.arena, data); ok {
		return n
	}
	defer func() {
		// The YAML library panics on no known input; should it ever, the
		// caller gets an error, not a crash.
		if r := recover(); r != nil {
			d.errAt(1, 1, KindSyntax, fmt.Sprintf("the YAML parser failed on this file: %v", r))
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errAt(1, 1, KindSyntax, emptyMsg)
		} else {
			d.yamlSyntaxError(err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		d.yamlSyntaxError(err)
	default:
		d.errAt(next.Line, next.Column, KindSyntax,
			`a manifest file holds one YAML document: remove this "---" and what follows, or move the next manifest to a file of its own`)
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		d.errAt(max(doc.Line, 1), max(doc.Column, 1), KindSyntax, emptyMsg)
		return nil
	}
	return doc.Content[0]
}

const emptyMsg = `the file is empty: a manifest is a mapping that starts with "connkit: v1"`

// yamlSyntaxRE splits the YAML library's syntax error messages.
var yamlSyntaxRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// yamlSyntaxError reports a YAML syntax error. The YAML library gives only
// the line, so the column is that of the line's first character.
func (d *decoder) yamlSyntaxError(err error) {
	msg := err.Error()
	line := 1
	if m := yamlSyntaxRE.FindStringSubmatch(msg); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			line = n
		}
		msg = m[2]
	}
	text := d.lines.line(line)
	indent := strings.TrimLeft(text, " \t")
	col := utf8.RuneCountInString(text[:len(text)-len(indent)]) + 1
	if strings.Contains(text[:len(text)-len(indent)], "\t") {
		msg += ` (indent with spaces: YAML does not allow tabs in indentation)`
	}
	d.errAt(max(line, 1), col, KindSyntax, "YAML syntax error: "+msg)
}
