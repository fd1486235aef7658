package format

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/connkit/connkit/validator"
)

// ANSI escape sequences of the colored text format.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[1;33m"
)

// text prints each diagnostic as one greppable line,
// "file:line:col: severity: message [rule]", followed by the source line
// and a caret under the column:
//
//	acme.yaml:12:10: error: the URL must use https [url-https]
//	 12 |     url: http://acme.example/token
//	    |          ^~~~~~~~~~~~~~~~~~~~~~~~~
//
// The underline spans the word at the column (up to the next space, without
// a trailing ':' or ','), measured in terminal cells: wide East Asian
// characters take two, combining marks none, and tabs are kept so the caret
// lines up whatever the tab width.
type text struct {
	w     io.Writer
	color bool
	buf   bytes.Buffer
}

func newText(w io.Writer, opts Options) Output { return &text{w: w, color: opts.Color} }

// Write prints the file's diagnostics in one write.
func (t *text) Write(_ string, source []byte, diags []validator.Diagnostic) error {
	if len(diags) == 0 {
		return nil
	}
	t.buf.Reset()
	lines := newLines(source)
	for _, d := range diags {
		t.header(d)
		if line, ok := lines.line(d.Line); ok {
			t.snippet(d, line)
		}
	}
	if _, err := t.w.Write(t.buf.Bytes()); err != nil {
		return fmt.Errorf("write text output: %w", err)
	}
	return nil
}

// Flush does nothing: text is written as it comes.
func (t *text) Flush() error { return nil }

// header writes the diagnostic's one-line form.
func (t *text) header(d validator.Diagnostic) {
	sevColor := ansiYellow
	if d.Severity == validator.SeverityError {
		sevColor = ansiRed
	}
	t.paint(ansiBold, fmt.Sprintf("%s:%d:%d:", oneLine(d.File), d.Line, d.Column))
	t.buf.WriteByte(' ')
	t.paint(sevColor, string(d.Severity)+":")
	t.buf.WriteString(" " + oneLine(d.Message) + " ")
	t.paint(ansiDim, "["+oneLine(d.Rule)+"]")
	t.buf.WriteByte('\n')
}

// snippet writes the source line with a gutter and the caret line under it.
func (t *text) snippet(d validator.Diagnostic, line string) {
	num := strconv.Itoa(d.Line)
	t.paint(ansiDim, " "+num+" | ")
	t.buf.WriteString(line)
	t.buf.WriteByte('\n')
	t.paint(ansiDim, " "+strings.Repeat(" ", len(num))+" | ")
	indent, underline := caret(line, d.Column)
	t.buf.WriteString(indent)
	if d.Severity == validator.SeverityError {
		t.paint(ansiRed, underline)
	} else {
		t.paint(ansiYellow, underline)
	}
	t.buf.WriteByte('\n')
}

// paint writes s, in color when the output is colored.
func (t *text) paint(color, s string) {
	if t.color {
		t.buf.WriteString(color + s + ansiReset)
		return
	}
	t.buf.WriteString(s)
}

// caret returns the blanks that line up with column col (1-based, in
// runes) of line, and the underline "^~~~" of the word that starts there.
// A column past the end of the line points just after it.
func caret(line string, col int) (indent, underline string) {
	runes := []rune(line)
	start := min(max(col-1, 0), len(runes))
	var b strings.Builder
	for _, r := range runes[:start] {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteString(strings.Repeat(" ", cells(r)))
		}
	}
	end := start
	for end < len(runes) && !unicode.IsSpace(runes[end]) {
		end++
	}
	for end > start+1 && (runes[end-1] == ':' || runes[end-1] == ',') {
		end--
	}
	n := 0
	for _, r := range runes[start:end] {
		n += cells(r)
	}
	return b.String(), "^" + strings.Repeat("~", max(n-1, 0))
}

// cells is the number of terminal cells r takes: two for wide and
// full-width East Asian characters, none for combining marks and format
// characters, one otherwise.
func cells(r rune) int {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// oneLine keeps a header on one line and the terminal in its state: line
// breaks and tabs become spaces, other control characters U+FFFD.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return utf8.RuneError
		}
		return r
	}, s)
}

// lines finds the lines of a source file.
type lines struct {
	src    []byte
	starts []int // the offset where each line starts
}

// newLines indexes the lines of src, which may be nil.
func newLines(src []byte) lines {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lines{src: src, starts: starts}
}

// line returns line n (1-based) without its line ending, with control
// characters other than tab shown as U+FFFD so that a manifest cannot drive
// the terminal; false when the source has no such line.
func (l lines) line(n int) (string, bool) {
	if l.src == nil || n < 1 || n > len(l.starts) {
		return "", false
	}
	start, end := l.starts[n-1], len(l.src)
	if n < len(l.starts) {
		end = l.starts[n] - 1
	}
	s := l.src[start:end]
	if n == 1 {
		s = bytes.TrimPrefix(s, []byte("\ufeff"))
	}
	s = bytes.TrimSuffix(s, []byte("\r"))
	return strings.Map(func(r rune) rune {
		if r != '\t' && unicode.IsControl(r) {
			return utf8.RuneError
		}
		return r
	}, string(s)), true
}
