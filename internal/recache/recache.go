// Package recache compiles regular expressions through a cache shared by
// the process. Manifests repeat the same few patterns (host-name fields,
// renewal bodies), and the loader, the schema layer and the rules each need
// them compiled; compiling a pattern costs tens of microseconds, a cache hit
// a map lookup.
package recache

import (
	"regexp"

	"github.com/connkit/connkit/internal/memo"
)

// MaxEntries bounds the patterns the cache keeps, so that a run over many
// distinct patterns cannot grow it without limit; patterns past the bound
// are compiled at each call.
const MaxEntries = 4096

// entry is the outcome of compiling one pattern.
type entry struct {
	re  *regexp.Regexp
	err error
}

var cache = &memo.Map[entry]{Max: MaxEntries}

// Compile returns regexp.Compile(expr), compiled once per process while
// the cache has room. The result is shared: a *regexp.Regexp is safe for
// concurrent use.
func Compile(expr string) (*regexp.Regexp, error) {
	e := cache.Get(expr, func(expr string) entry {
		re, err := regexp.Compile(expr)
		return entry{re, err}
	})
	return e.re, e.err
}
