package format

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/connkit/connkit/validator"
)

// github prints each diagnostic as a GitHub Actions workflow command, which
// the runner turns into an annotation on the file's line:
//
//	::error file=connectors/acme.yaml,line=12,col=10,title=url-https::the URL must use https
//
// File paths use forward slashes. Values are escaped as the runner expects:
// % as %25, CR as %0D, LF as %0A, and in properties also : as %3A and , as
// %2C.
type github struct {
	w   io.Writer
	buf bytes.Buffer
}

func newGitHub(w io.Writer, _ Options) Output { return &github{w: w} }

// Write prints the file's annotations in one write.
func (g *github) Write(_ string, _ []byte, diags []validator.Diagnostic) error {
	if len(diags) == 0 {
		return nil
	}
	g.buf.Reset()
	for _, d := range diags {
		command := "warning"
		if d.Severity == validator.SeverityError {
			command = "error"
		}
		fmt.Fprintf(&g.buf, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", command,
			escapeProperty(filepath.ToSlash(d.File)), d.Line, d.Column,
			escapeProperty(d.Rule), escapeData(d.Message))
	}
	if _, err := g.w.Write(g.buf.Bytes()); err != nil {
		return fmt.Errorf("write github annotations: %w", err)
	}
	return nil
}

// Flush does nothing: annotations are written as they come.
func (g *github) Flush() error { return nil }

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// escapeData escapes a workflow command's message.
func escapeData(s string) string { return dataEscaper.Replace(s) }

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }
