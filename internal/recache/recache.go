// Package recache compiles regular expressions through a cache shared by
// the process. Manifests repeat the same few patterns (host-name fields,
// renewal bodies), and the loader, the schema layer and the rules each need
// them compiled; compiling a pattern costs tens of microseconds, a cache hit
// a map lookup.
package recache

import (
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
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

var (
	cache sync.Map // pattern string to *entry
	size  atomic.Int64
)

// Compile returns regexp.Compile(expr), compiled once per process while
// the cache has room. The result is shared: a *regexp.Regexp is safe for
// concurrent use.
func Compile(expr string) (*regexp.Regexp, error) {
	if e, ok := cache.Load(expr); ok {
		e := e.(*entry)
		return e.re, e.err
	}
	re, err := regexp.Compile(expr)
	// A place is taken before storing, so that racing calls cannot pass
	// the bound; the key is cloned: expr may be a slice of a whole file's
	// text, which the cache must not keep alive.
	if size.Add(1) > MaxEntries {
		size.Add(-1)
	} else if _, loaded := cache.LoadOrStore(strings.Clone(expr), &entry{re, err}); loaded {
		size.Add(-1)
	}
	return re, err
}
