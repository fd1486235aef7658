package manifest

import (
	"errors"
	"fmt"
	"iter"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/connkit/connkit/internal/recache"
	"github.com/connkit/connkit/internal/suggest"
	"github.com/connkit/connkit/manifest/interp"
)

// decoder decodes a node tree into the model, reflectively, collecting
// every error instead of stopping at the first.
type decoder struct {
	file  *File
	lines *lineIndex
	errs  Errors
	full  bool       // maxErrors errors are recorded; the rest are dropped
	path  []pathElem // where the node being decoded is

}

// maxErrors bounds the errors recorded for one file, so that a large file
// of repeated mistakes cannot take a lot of memory.
const maxErrors = 1000

// pathElem is one step of a path: a mapping key, or a list index when
// index is at least 0.
type pathElem struct {
	key   string
	index int
}

// pushKey, pushIndex and pop move the current path down a key or an index
// and back up.
func (d *decoder) pushKey(k string) { d.path = append(d.path, pathElem{key: k, index: -1}) }
func (d *decoder) pushIndex(i int)  { d.path = append(d.path, pathElem{index: i}) }
func (d *decoder) pop()             { d.path = d.path[:len(d.path)-1] }

// pointer returns the JSON pointer of the current path.
func (d *decoder) pointer() string {
	tokens := make([]string, len(d.path))
	for i, e := range d.path {
		if e.index >= 0 {
			tokens[i] = strconv.Itoa(e.index)
		} else {
			tokens[i] = e.key
		}
	}
	return Pointer(tokens...)
}

// where names the current path for messages: auth.token.scope, fields[0].
func (d *decoder) where() string {
	if len(d.path) == 0 {
		return "the manifest"
	}
	var b strings.Builder
	for i, e := range d.path {
		switch {
		case e.index >= 0:
			fmt.Fprintf(&b, "[%d]", e.index)
		case i > 0:
			b.WriteString("." + e.key)
		default:
			b.WriteString(e.key)
		}
	}
	return b.String()
}

// errAt records an error at a line and column, at the current path.
// After maxErrors errors, it records a last one that says so and drops the
// rest.
func (d *decoder) errAt(line, col int, kind ErrorKind, msg string) {
	if d.full {
		return
	}
	if len(d.errs) == maxErrors {
		d.full = true
		kind, msg = KindTooMany, fmt.Sprintf("too many errors: only the first %d are reported; fix them and load the file again", maxErrors)
	}
	d.errs = append(d.errs, &Error{Pos: Pos{File: d.file.Path, Line: line, Col: col},
		Pointer: d.pointer(), Kind: kind, Msg: msg})
}

// errNode records an error at node n, at the current path.
func (d *decoder) errNode(n *yaml.Node, kind ErrorKind, format string, args ...any) {
	if d.full {
		return
	}
	p := d.file.nodePos(n)
	d.errAt(p.Line, p.Col, kind, fmt.Sprintf(format, args...))
}

// The model types the decoder treats specially.
var (
	templateType = reflect.TypeFor[Template]()
	scalarType   = reflect.TypeFor[Scalar]()
	durationType = reflect.TypeFor[Duration]()
)

// regexpKeys names, per struct type, the key whose value (a string or a
// list of strings) is a regular expression that must compile.
var regexpKeys = map[reflect.Type]string{
	reflect.TypeFor[Field]():   "pattern",
	reflect.TypeFor[RenewOn](): "body",
}

// decode decodes n into v. A null leaves v unchanged (its zero value).
func (d *decoder) decode(v reflect.Value, n *yaml.Node) {
	if !d.checkNode(n) || isNull(n) {
		return
	}
	switch v.Type() {
	case templateType:
		d.decodeTemplate(v, n)
		return
	case scalarType:
		if n.Kind == yaml.ScalarNode {
			v.SetString(n.Value)
		} else {
			d.typeError(n, v.Type())
		}
		return
	case durationType:
		if s, ok := d.str(n, v.Type()); ok {
			dur, err := ParseDuration(s)
			if err != nil {
				d.errNode(n, KindValue, "%s: %v", d.where(), err)
			}
			v.SetInt(int64(dur))
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		// A mapping is kept with what could be decoded of it; a value of
		// the wrong type leaves the pointer nil.
		p, errs := reflect.New(v.Type().Elem()), len(d.errs)
		d.decode(p.Elem(), n)
		if n.Kind == yaml.MappingNode || len(d.errs) == errs {
			v.Set(p)
		}
	case reflect.Interface:
		if g := d.generic(n); g != nil {
			v.Set(reflect.ValueOf(g))
		}
	case reflect.Struct:
		d.decodeStruct(v, n)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.typeError(n, v.Type())
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.pushIndex(i)
			d.decode(s.Index(i), c)
			d.pop()
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.typeError(n, v.Type())
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for k, c := range d.pairs(n) {
			d.pushKey(k.Value)
			e := reflect.New(v.Type().Elem()).Elem()
			d.decode(e, c)
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), e)
			d.pop()
		}
		v.Set(m)
	case reflect.String:
		if s, ok := d.str(n, v.Type()); ok {
			v.SetString(s)
		}
	case reflect.Bool:
		d.decodeBool(v, n)
	case reflect.Int:
		d.decodeInt(v, n)
	default:
		panic("manifest: the decoder cannot decode into " + v.Type().String())
	}
}

// decodeStruct decodes a mapping into a struct, by the fields' json names.
func (d *decoder) decodeStruct(v reflect.Value, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		d.typeError(n, v.Type())
		return
	}
	info := structInfoOf(v.Type())
	for k, c := range d.pairs(n) {
		index, ok := info.fields[k.Value]
		if !ok {
			d.unknownKey(k, info.keys)
			continue
		}
		d.pushKey(k.Value)
		d.decode(v.FieldByIndex(index), c)
		if info.regexpKey == k.Value {
			d.checkRegexps(c)
		}
		d.pop()
	}
}

// unknownKey reports key k of the current mapping, which is not among the
// valid keys, with the nearest valid key when one is close.
func (d *decoder) unknownKey(k *yaml.Node, keys []string) {
	msg := fmt.Sprintf("unknown key %q%s", k.Value, d.in())
	if s := suggest.Nearest(k.Value, keys); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	d.pushKey(k.Value)
	d.errNode(k, KindUnknownKey, "%s (valid keys: %s)", msg, strings.Join(keys, ", "))
	d.pop()
}

// decodeTemplate decodes a string and checks its {{ }} syntax.
func (d *decoder) decodeTemplate(v reflect.Value, n *yaml.Node) {
	s, ok := d.str(n, v.Type())
	if !ok {
		return
	}
	v.SetString(s)
	d.checkTemplate(n, s)
}

// checkTemplate checks the {{ }} syntax of s, the value of scalar n, and
// keeps the parsed template for File.Template. Text without "{{" is
// literal: it always parses and is not kept.
func (d *decoder) checkTemplate(n *yaml.Node, s string) {
	if !strings.Contains(s, "{{") {
		return
	}
	if _, ok := d.file.templates[s]; ok {
		return
	}
	t, err := interp.Parse(s)
	if err == nil {
		if d.file.templates == nil {
			d.file.templates = make(map[string]*interp.Template)
		}
		d.file.templates[s] = t
		return
	}
	if d.full {
		return
	}
	var se *interp.SyntaxError
	if !errors.As(err, &se) {
		d.errNode(n, KindInterpolation, "%s: bad template: %v", d.where(), err)
		return
	}
	p := d.file.scalarPos(n, se.Column)
	d.errAt(p.Line, p.Col, KindInterpolation, fmt.Sprintf("%s: bad template: %s", d.where(), se.Msg))
}

// escapeLen returns how many characters the escape sequence at s[i] (a
// backslash) takes in a double-quoted YAML or JSON string.
func escapeLen(s []rune, i int) int {
	if i+1 >= len(s) {
		return 1
	}
	switch s[i+1] {
	case 'x':
		return 4
	case 'u':
		return 6
	case 'U':
		return 10
	}
	return 2
}

// checkRegexps checks that n, a string or a list of strings, holds regular
// expressions that compile.
func (d *decoder) checkRegexps(n *yaml.Node) {
	check := func(c *yaml.Node) {
		if c.Kind != yaml.ScalarNode || !isStringTag(c.Tag) {
			return // reported as a type error
		}
		if _, err := recache.Compile(c.Value); err != nil {
			d.errNode(c, KindValue, "%s: bad regular expression: %s", d.where(),
				strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	}
	if n.Kind != yaml.SequenceNode {
		check(n)
		return
	}
	for i, c := range n.Content {
		d.pushIndex(i)
		check(c)
		d.pop()
	}
}

// str returns the value of a string scalar, or reports that n is not one.
func (d *decoder) str(n *yaml.Node, t reflect.Type) (string, bool) {
	if n.Kind != yaml.ScalarNode || !isStringTag(n.Tag) {
		d.typeError(n, t)
		return "", false
	}
	return n.Value, true
}

// decodeBool decodes a boolean.
func (d *decoder) decodeBool(v reflect.Value, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode || n.Tag != tagBool {
		d.typeError(n, v.Type())
		return
	}
	b, err := strconv.ParseBool(n.Value)
	if err != nil {
		d.errNode(n, KindValue, "%s: %q is not a boolean: write true or false", d.where(), n.Value)
		return
	}
	v.SetBool(b)
}

// decodeInt decodes an integer.
func (d *decoder) decodeInt(v reflect.Value, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode || n.Tag != tagInt {
		d.typeError(n, v.Type())
		return
	}
	i, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil || v.OverflowInt(i) {
		d.errNode(n, KindValue, "%s: %s is not an integer in range", d.where(), n.Value)
		return
	}
	v.SetInt(i)
}

// generic decodes n into the value encoding/json would give an any:
// map[string]any, []any, string, float64, bool or nil. The model's only
// any is a request body, whose strings are templates: their syntax is
// checked.
func (d *decoder) generic(n *yaml.Node) any {
	if !d.checkNode(n) {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for k, c := range d.pairs(n) {
			d.pushKey(k.Value)
			m[k.Value] = d.generic(c)
			d.pop()
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			d.pushIndex(i)
			s[i] = d.generic(c)
			d.pop()
		}
		return s
	}
	switch n.Tag {
	case tagNull:
		return nil
	case tagBool:
		if b, err := strconv.ParseBool(n.Value); err == nil {
			return b
		}
		d.errNode(n, KindValue, "%s: %q is not a boolean: write true or false", d.where(), n.Value)
		return nil
	case tagInt:
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return float64(i)
		}
		fallthrough
	case tagFloat:
		f, ok := parseFloat(n.Value)
		if ok && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
		d.errNode(n, KindValue, "%s: %s is not a finite number, which JSON cannot hold", d.where(), n.Value)
		return nil
	}
	d.checkTemplate(n, n.Value)
	return n.Value
}

// checkNode reports the YAML features a manifest refuses: anchors, aliases
// and tags other than the core ones. It says whether to decode n.
func (d *decoder) checkNode(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode {
		d.errNode(n, KindUnsupported, "%s: alias *%s is not supported: manifests do not use YAML anchors and aliases; write the value out", d.where(), n.Value)
		return false
	}
	if n.Anchor != "" {
		d.errNode(n, KindUnsupported, "%s: anchor &%s is not supported: manifests do not use YAML anchors and aliases; remove it", d.where(), n.Anchor)
	}
	switch n.Tag {
	case tagStr, tagInt, tagFloat, tagBool, tagNull, tagMap, tagSeq, tagTimestamp, tagMerge:
		return true
	}
	d.errNode(n, KindUnsupported, "%s: YAML tag %s is not supported: remove it", d.where(), n.Tag)
	return false
}

// pairs yields the key and value nodes of mapping n, reporting and skipping
// keys that are not strings and keys given twice (the first one counts).
func (d *decoder) pairs(n *yaml.Node) iter.Seq2[*yaml.Node, *yaml.Node] {
	return func(yield func(k, v *yaml.Node) bool) {
		var seen map[string]*yaml.Node // for large mappings only
		if len(n.Content) > 32 {
			seen = make(map[string]*yaml.Node, len(n.Content)/2)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if !d.checkKey(k) {
				continue
			}
			if first := firstKey(n, i, k.Value, seen); first != nil {
				in := d.in()
				d.pushKey(k.Value)
				d.errNode(k, KindDuplicateKey, "duplicate key %q%s: it is first given at line %d, column %d; remove one of them",
					k.Value, in, first.Line, first.Column)
				d.pop()
				continue
			}
			if !yield(k, n.Content[i+1]) {
				return
			}
		}
	}
}

// in names the mapping of the current path for messages about its keys.
func (d *decoder) in() string {
	if len(d.path) == 0 {
		return " at the top level"
	}
	return " in " + d.where()
}

// firstKey returns the earlier key of mapping n named name, given that
// Content[i] is a key named name; seen, when not nil, indexes the keys
// before i and is updated.
func firstKey(n *yaml.Node, i int, name string, seen map[string]*yaml.Node) *yaml.Node {
	if seen != nil {
		if first, dup := seen[name]; dup {
			return first
		}
		seen[name] = n.Content[i]
		return nil
	}
	for j := 0; j < i; j += 2 {
		if k := n.Content[j]; k.Kind == yaml.ScalarNode && k.Value == name && isStringTag(k.Tag) {
			return k
		}
	}
	return nil
}

// checkKey reports a mapping key that is not a plain string, and says
// whether to use it.
func (d *decoder) checkKey(k *yaml.Node) bool {
	if k.Tag == tagMerge {
		d.errNode(k, KindUnsupported, "merge key << is not supported%s: write the keys out", d.in())
		return false
	}
	d.pushKey(k.Value)
	defer d.pop()
	switch {
	case !d.checkNode(k):
		return false
	case k.Kind != yaml.ScalarNode:
		d.errNode(k, KindType, "a mapping key must be a string, got %s", describeNode(k))
		return false
	case !isStringTag(k.Tag):
		d.errNode(k, KindType, "key %s is %s, but mapping keys must be strings: quote it", k.Value, describeNode(k))
		return false
	}
	return true
}

// isStringTag says whether a scalar with tag is a string: YAML dates are
// strings in the manifest, as in JSON.
func isStringTag(tag string) bool { return tag == tagStr || tag == tagTimestamp }

// isNull says whether n is the null scalar.
func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == tagNull }

// typeError reports that n does not have the type t needs.
func (d *decoder) typeError(n *yaml.Node, t reflect.Type) {
	if d.full {
		return
	}
	d.errNode(n, KindType, "%s: expected %s, got %s%s", d.where(), describeType(t), describeNode(n), d.typeHint(n, t))
}

// typeHint suggests the fix for the commonest type errors.
func (d *decoder) typeHint(n *yaml.Node, t reflect.Type) string {
	scalar := n.Kind == yaml.ScalarNode
	switch {
	case t == durationType && scalar && (n.Tag == tagInt || n.Tag == tagFloat):
		return `; add a unit, such as "60s"`
	case t.Kind() == reflect.String && scalar:
		return "; quote it to make it a string"
	case t.Kind() == reflect.String && n.Kind == yaml.MappingNode && n.Style&yaml.FlowStyle != 0 &&
		hasPrefix(d.file.textAt(n), "{{"):
		return `; in YAML a value that starts with "{{" must be quoted: "{{ ... }}"`
	case (t.Kind() == reflect.Bool && scalar && isStringTag(n.Tag) && (strings.EqualFold(n.Value, "true") || strings.EqualFold(n.Value, "false"))) ||
		(t.Kind() == reflect.Int && scalar && isStringTag(n.Tag) && isInt(n.Value)):
		return "; remove the quotes"
	case t.Kind() == reflect.Slice && n.Kind != yaml.SequenceNode:
		return `; write a list, even of one item: "- item" lines or [item]`
	}
	return ""
}

// hasPrefix says whether the runes of s start with prefix.
func hasPrefix(s []rune, prefix string) bool {
	i := 0
	for _, r := range prefix {
		if i >= len(s) || s[i] != r {
			return false
		}
		i++
	}
	return true
}

// isInt says whether s is a decimal integer.
func isInt(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// describeType names what a value of type t is, for messages.
func describeType(t reflect.Type) string {
	switch t {
	case templateType:
		return "a string"
	case scalarType:
		return "a string, number or boolean"
	case durationType:
		return `a duration such as "60s"`
	}
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.Struct:
		return "a mapping"
	case reflect.Slice:
		return "a list of " + plural(t.Elem())
	case reflect.Map:
		return "a mapping of names to " + plural(t.Elem())
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Int:
		return "an integer"
	}
	return "a string"
}

// plural names values of type t in the plural: fields, auth methods,
// strings.
func plural(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct:
		return words(t.Name()) + "s"
	case reflect.Int:
		return "integers"
	case reflect.Bool:
		return "booleans"
	}
	return "strings"
}

// words turns a Go type name into lower-case words: AuthMethod is
// "auth method".
func words(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte(' ')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// describeNode names what n is, for messages.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case tagInt, tagFloat:
		return "a number"
	case tagBool:
		return "a boolean"
	case tagNull:
		return "null"
	}
	return "a string"
}

// structInfo lists the keys of a struct type and where their fields are.
type structInfo struct {
	fields    map[string][]int // key to field index, through embedded structs
	keys      []string         // the keys in declaration order
	regexpKey string           // the key regexpKeys names for the type, or ""
}

var structInfos sync.Map // reflect.Type to *structInfo

// structInfoOf returns the keys of struct type t: the json names of its
// exported fields, with the fields of embedded structs inlined.
func structInfoOf(t reflect.Type) *structInfo {
	if info, ok := structInfos.Load(t); ok {
		return info.(*structInfo)
	}
	info := &structInfo{fields: map[string][]int{}, regexpKey: regexpKeys[t]}
	info.add(t, nil)
	stored, _ := structInfos.LoadOrStore(t, info)
	return stored.(*structInfo)
}

// add adds the fields of t, found at index, to info.
func (info *structInfo) add(t reflect.Type, index []int) {
	for i := range t.NumField() {
		f := t.Field(i)
		at := append(slices.Clip(index), i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous && f.Type.Kind() == reflect.Struct && name == "":
			info.add(f.Type, at)
		case !f.IsExported() || name == "-":
		default:
			if name == "" {
				name = f.Name
			}
			info.fields[name] = at
			info.keys = append(info.keys, name)
		}
	}
}
