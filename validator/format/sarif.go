package format

import (
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/connkit/connkit/validator"
)

// SARIF constants.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	// informationURI is where the SARIF driver says connkit is documented.
	informationURI = "https://github.com/connkit/connkit"
	// srcRoot is the base of relative artifact URIs: the directory connkit
	// ran in, usually the repository root in CI.
	srcRoot = "%SRCROOT%"
)

// The SARIF 2.1.0 objects connkit writes: the subset GitHub code scanning
// reads (tool.driver with its rules, results with a rule, a level, a message
// and a physical location with a region).
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool sarifTool `json:"tool"`
		// ColumnKind says columns count Unicode code points, as
		// validator.Diagnostic's do (SARIF's default is UTF-16 units).
		ColumnKind string        `json:"columnKind"`
		Results    []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string             `json:"id"`
		ShortDescription     sarifMessage       `json:"shortDescription"`
		DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	}
	sarifConfiguration struct {
		Level string `json:"level"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID    string          `json:"ruleId"`
		Level     string          `json:"level"`
		Message   sarifMessage    `json:"message"`
		Locations []sarifLocation `json:"locations"`
		// Properties holds the JSON pointer of the offending node.
		Properties sarifProperties `json:"properties"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	}
	sarifPhysicalLocation struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           sarifRegion           `json:"region"`
	}
	sarifArtifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	sarifRegion struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn"`
	}
	sarifProperties struct {
		Pointer string `json:"pointer"`
	}
)

// sarif collects the run and prints one SARIF 2.1.0 log at Flush, with one
// run whose driver is connkit and lists every rule (Options.Rules, plus any
// rule a diagnostic names that the list lacks).
type sarif struct {
	w       io.Writer
	driver  sarifDriver
	known   map[string]bool
	results []sarifResult
}

func newSARIF(w io.Writer, opts Options) Output {
	rules := opts.Rules
	if rules == nil {
		rules = validator.Rules()
	}
	s := &sarif{w: w, known: make(map[string]bool, len(rules)), results: []sarifResult{},
		driver: sarifDriver{Name: "connkit", Version: opts.Version, InformationURI: informationURI,
			Rules: make([]sarifRule, 0, len(rules))}}
	for _, r := range rules {
		s.addRule(r.ID, r.Severity, r.Doc)
	}
	return s
}

// addRule adds a rule to the driver, once.
func (s *sarif) addRule(id string, sev validator.Severity, doc string) {
	if s.known[id] {
		return
	}
	s.known[id] = true
	s.driver.Rules = append(s.driver.Rules, sarifRule{ID: id, ShortDescription: sarifMessage{doc},
		DefaultConfiguration: sarifConfiguration{sarifLevel(sev)}})
}

// Write collects the file's results.
func (s *sarif) Write(_ string, _ []byte, diags []validator.Diagnostic) error {
	for _, d := range diags {
		s.addRule(d.Rule, d.Severity, "connkit rule "+d.Rule)
		s.results = append(s.results, sarifResult{
			RuleID:  d.Rule,
			Level:   sarifLevel(d.Severity),
			Message: sarifMessage{d.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: artifactLocation(d.File),
				Region:           sarifRegion{StartLine: max(d.Line, 1), StartColumn: max(d.Column, 1)},
			}}},
			Properties: sarifProperties{Pointer: d.Pointer},
		})
	}
	return nil
}

// Flush prints the log.
func (s *sarif) Flush() error {
	return encodeJSON(s.w, "sarif output", sarifLog{Schema: sarifSchema, Version: sarifVersion,
		Runs: []sarifRun{{Tool: sarifTool{s.driver}, ColumnKind: "unicodeCodePoints", Results: s.results}}})
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(sev validator.Severity) string {
	if sev == validator.SeverityError {
		return "error"
	}
	return "warning"
}

// artifactLocation turns a file path into a URI: relative paths become
// relative references with forward slashes, based on %SRCROOT%; absolute
// paths become file URIs.
func artifactLocation(path string) sarifArtifactLocation {
	p := filepath.ToSlash(path)
	if filepath.IsAbs(path) {
		if !strings.HasPrefix(p, "/") { // a Windows volume: C:/...
			p = "/" + p
		}
		return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: p}).String()}
	}
	return sarifArtifactLocation{URI: (&url.URL{Path: p}).String(), URIBaseID: srcRoot}
}
