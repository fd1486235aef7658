// Package arena hands out the nodes and Content slices of YAML syntax trees
// from blocks that are kept for the next tree once the last one is dropped,
// so that a loop that parses file after file (connkit validate) reuses the
// same memory instead of allocating, zeroing and collecting it for every
// file.
//
// A nil *Arena allocates every block anew: parsers take blocks from an
// Arena without caring whether it reuses them.
package arena

import (
	"sync"

	"go.yaml.in/yaml/v3"
)

// maxKept bounds the nodes and pointers an Arena keeps across Reset: a huge
// file does not pin its tree for the rest of the run.
const maxKept = 1 << 13

// Arena is a set of blocks of yaml.Node and *yaml.Node. It is not safe for
// concurrent use; Get and Put share Arenas between goroutines.
type Arena struct {
	nodes, freeNodes [][]yaml.Node
	ptrs, freePtrs   [][]*yaml.Node
}

// Nodes returns a block of at least n zero nodes, len and cap equal.
func (a *Arena) Nodes(n int) []yaml.Node {
	if a == nil {
		return make([]yaml.Node, n)
	}
	return block(&a.nodes, &a.freeNodes, n)
}

// Ptrs returns a block of at least n nil pointers, len and cap equal.
func (a *Arena) Ptrs(n int) []*yaml.Node {
	if a == nil {
		return make([]*yaml.Node, n)
	}
	return block(&a.ptrs, &a.freePtrs, n)
}

// block returns a kept block of at least n zero elements, or a new one,
// and records it in used.
func block[T any](used, free *[][]T, n int) []T {
	b := take(free, n)
	if b == nil {
		b = make([]T, n)
	}
	*used = append(*used, b)
	return b
}

// take removes from free, and returns, the first block that holds at least
// n elements; nil when there is none.
func take[T any](free *[][]T, n int) []T {
	for i, b := range *free {
		if len(b) >= n {
			last := len(*free) - 1
			(*free)[i] = (*free)[last]
			(*free)[last] = nil
			*free = (*free)[:last]
			return b
		}
	}
	return nil
}

// Reset zeroes every block handed out and keeps them, within a bound, for
// the next tree. Nothing handed out before may be used after it.
func (a *Arena) Reset() {
	a.freeNodes = recycle(a.freeNodes, a.nodes)
	a.freePtrs = recycle(a.freePtrs, a.ptrs)
	clear(a.nodes)
	clear(a.ptrs)
	a.nodes, a.ptrs = a.nodes[:0], a.ptrs[:0]
}

// Trim drops the kept blocks that were not handed out since the last
// Reset, so that a tree that is never reset pins nothing but itself.
func (a *Arena) Trim() {
	clear(a.freeNodes)
	clear(a.freePtrs)
	a.freeNodes, a.freePtrs = a.freeNodes[:0], a.freePtrs[:0]
}

// recycle zeroes the used blocks and adds them to free while free holds
// fewer than maxKept elements.
func recycle[T any](free, used [][]T) [][]T {
	kept := 0
	for _, b := range free {
		kept += len(b)
	}
	for _, b := range used {
		if kept+len(b) > maxKept {
			continue
		}
		clear(b)
		free = append(free, b)
		kept += len(b)
	}
	return free
}

// pool holds the Arenas that Put returned.
var pool = sync.Pool{New: func() any { return new(Arena) }}

// Get returns an Arena from the process's pool.
func Get() *Arena { return pool.Get().(*Arena) }

// Put resets a and returns it to the pool; a nil a is ignored.
func Put(a *Arena) {
	if a == nil {
		return
	}
	a.Reset()
	pool.Put(a)
}
