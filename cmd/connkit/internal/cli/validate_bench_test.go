//go:build unix

package cli

import (
	"bytes"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/validator/bench"
)

// corpusSize is the number of manifests BenchmarkValidateCorpus checks in
// one run of connkit validate.
const corpusSize = 10000

// BenchmarkValidateCorpus runs connkit validate through App.Main, exactly
// as the command line does (directory walk, the worker pool, one validator
// per run, the text output, here to io.Discard), on a directory of
// corpusSize generated manifests of about a hundred lines (package
// validator/bench), written as YAML and as JSON. Each iteration is one whole run; manifests/s is the
// figure to compare. Writing the corpus is not timed. cpu-us/manifest is
// the process's CPU time (user and system, all threads, the garbage
// collector included) per manifest: unlike wall time it hardly moves when
// other processes share the machine, and 1e6 * cores / cpu-us/manifest
// bounds the throughput on an idle machine.
//
//	go test ./cmd/connkit/internal/cli -run '^$' -bench ValidateCorpus -benchtime 5x -memprofile mem.out
func BenchmarkValidateCorpus(b *testing.B) {
	for _, syntax := range []manifest.Syntax{manifest.SyntaxYAML, manifest.SyntaxJSON} {
		b.Run(string(syntax), func(b *testing.B) { benchmarkValidateCorpus(b, syntax) })
	}
}

// benchmarkValidateCorpus runs BenchmarkValidateCorpus on a corpus written
// in one notation.
func benchmarkValidateCorpus(b *testing.B, syntax manifest.Syntax) {
	dir := b.TempDir()
	if _, err := bench.WriteCorpus(dir, corpusSize, syntax); err != nil {
		b.Fatal(err)
	}
	var stderr bytes.Buffer
	app := &App{Stdout: io.Discard, Stderr: &stderr}
	b.ReportAllocs()
	runs := 0
	before := cpuTime(b)
	for b.Loop() {
		if code := app.Main([]string{"connkit", "validate", dir}); code != ExitOK {
			b.Fatalf("connkit validate exited %d: %s", code, stderr.String())
		}
		runs++
	}
	cpu := cpuTime(b) - before
	b.ReportMetric(float64(runs*corpusSize)/b.Elapsed().Seconds(), "manifests/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(runs*corpusSize), "cpu-us/manifest")
}

// cpuTime is the CPU time the process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
