// Package memo remembers the results of pure functions of a string across
// a process, up to a bound: manifests repeat the same few patterns and
// values, and the loader, the schema layer and the rules meet them again
// in file after file.
package memo

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Map remembers the value computed for each key, for at most Max keys; a
// key past the bound is computed at each call. The zero Map is not usable:
// set Max. A Map is safe for concurrent use; values are shared by every
// caller, so they must be safe for concurrent use too.
type Map[V any] struct {
	// Max bounds the keys the Map keeps.
	Max int64

	m    sync.Map // string to V
	size atomic.Int64
}

// Get returns the value remembered for key, or computes it with compute
// and remembers it while the Map has room.
func (c *Map[V]) Get(key string, compute func(string) V) V {
	if v, ok := c.m.Load(key); ok {
		return v.(V)
	}
	v := compute(key)
	// A place is taken before storing, so that racing calls cannot pass
	// the bound; the key is cloned: it may be a slice of a whole file's
	// text, which the Map must not keep alive.
	if c.size.Add(1) > c.Max {
		c.size.Add(-1)
	} else if _, loaded := c.m.LoadOrStore(strings.Clone(key), v); loaded {
		c.size.Add(-1)
	}
	return v
}

// Len returns the number of keys the Map holds.
func (c *Map[V]) Len() int { return int(c.size.Load()) }
