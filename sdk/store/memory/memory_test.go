package memory

import (
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/connkit/connkit/sdk/store"
	"github.com/connkit/connkit/sdk/store/storetest"
)

func harness(t *testing.T) storetest.Harness {
	name := t.Name() + "/" + rand.Text()
	var first *Store
	return storetest.Harness{
		Open: func(_ testing.TB, opts store.Options) (store.Store, error) {
			s, err := New(name, opts)
			if err == nil && first == nil {
				first = s
			}
			return s, err
		},
		Dump: func(t testing.TB) string {
			if first == nil {
				t.Fatal("dump before any store was opened")
			}
			return first.dump()
		},
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, harness)
}

func TestPrivateStoresAreSeparate(t *testing.T) {
	a, err := New("", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New("", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.SaveConnection(t.Context(), &store.Connection{ConnectorID: "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Connection(t.Context(), c.ID); err == nil {
		t.Error("a store opened without a name sees another's data")
	}
}

func BenchmarkTokenRead(b *testing.B) {
	s, err := New("", store.Options{Keys: storetest.NewKeyring(b)})
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchmarkTokenRead(b, s)
}

func BenchmarkTokenWrite(b *testing.B) {
	s, err := New("", store.Options{Keys: storetest.NewKeyring(b)})
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchmarkTokenWrite(b, s)
}

func BenchmarkDo(b *testing.B) {
	for _, renew := range []bool{false, true} {
		b.Run(fmt.Sprintf("renew=%v/store=none", renew), func(b *testing.B) { storetest.BenchmarkDo(b, nil, renew) })
		b.Run(fmt.Sprintf("renew=%v/store=memory", renew), func(b *testing.B) {
			s, err := New("", store.Options{Keys: storetest.NewKeyring(b)})
			if err != nil {
				b.Fatal(err)
			}
			storetest.BenchmarkDo(b, s, renew)
		})
	}
}
