package arena

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestReuse(t *testing.T) {
	var a Arena
	n := a.Nodes(10)
	p := a.Ptrs(4)
	n[3].Value, p[1] = "dirty", &n[0]
	a.Reset()
	n2 := a.Nodes(8)
	if &n2[0] != &n[0] || len(n2) != 10 {
		t.Fatalf("Nodes after Reset: a new block of %d, want the old block of 10", len(n2))
	}
	if n2[3].Value != "" {
		t.Errorf("a reused node kept %q", n2[3].Value)
	}
	if p2 := a.Ptrs(4); &p2[0] != &p[0] || p2[1] != nil {
		t.Errorf("Ptrs after Reset: not the old block, or not zeroed")
	}
	if n3 := a.Nodes(11); &n3[0] == &n[0] || len(n3) != 11 {
		t.Errorf("Nodes(11) handed out a block of %d", len(n3))
	}
}

func TestBounds(t *testing.T) {
	var a Arena
	big := a.Nodes(maxKept + 1)
	a.Reset()
	if b := a.Nodes(1); &b[0] == &big[0] {
		t.Error("a block over maxKept was kept")
	}
	a.Reset()
	a.Trim()
	if len(a.freeNodes) != 0 || len(a.freePtrs) != 0 {
		t.Error("Trim kept free blocks")
	}
	var nilArena *Arena
	if len(nilArena.Nodes(3)) != 3 || len(nilArena.Ptrs(2)) != 2 {
		t.Error("a nil Arena does not allocate")
	}
	Put(nil)
	got := Get()
	got.Nodes(1)[0] = yaml.Node{Value: "x"}
	Put(got)
}
