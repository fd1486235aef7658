// Command corpus writes the benchmark corpus of package bench to a
// directory, as YAML (the default) or JSON:
//
//	go run ./validator/bench/corpus [-n 10000] [-format yaml|json] DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/connkit/connkit/manifest"
	"github.com/connkit/connkit/validator/bench"
)

func main() {
	n := flag.Int("n", 10000, "number of manifests")
	syntax := flag.String("format", "yaml", "yaml or json")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: corpus [-n N] [-format yaml|json] DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || *n < 0 || (*syntax != "yaml" && *syntax != "json") {
		flag.Usage()
		os.Exit(2)
	}
	if _, err := bench.WriteCorpus(flag.Arg(0), *n, manifest.Syntax(*syntax)); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}
