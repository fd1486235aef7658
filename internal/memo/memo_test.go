package memo

import (
	"fmt"
	"sync"
	"testing"
)

func TestGet(t *testing.T) {
	m := &Map[string]{Max: 10}
	calls := 0
	upper := func(s string) string { calls++; return s + "!" }
	for range 3 {
		if got := m.Get("a", upper); got != "a!" {
			t.Errorf("Get(a) = %q, want a!", got)
		}
	}
	if calls != 1 {
		t.Errorf("computed %d times, want once", calls)
	}
}

// TestGetBound fills a Map past its bound from several goroutines: every
// value is right, and the Map keeps no more than Max keys.
func TestGetBound(t *testing.T) {
	m := &Map[string]{Max: 100}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 200 {
				k := fmt.Sprintf("w%d-%d", w, i)
				if got := m.Get(k, func(s string) string { return s + "!" }); got != k+"!" {
					t.Errorf("Get(%q) = %q", k, got)
				}
			}
		})
	}
	wg.Wait()
	n := 0
	m.m.Range(func(any, any) bool { n++; return true })
	if n > 100 || m.Len() != n {
		t.Errorf("the Map holds %d keys (Len %d), want at most 100 and Len equal", n, m.Len())
	}
}
