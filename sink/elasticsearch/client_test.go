package elasticsearch

import (
	"testing"
	"time"
)

// TestDeadNodes: a server that could not be reached is skipped for a
// minute, doubling with each failure in a row up to half an hour, and
// tried again once its wait is over; when every server is dead, the one
// whose wait ends first is tried.
func TestDeadNodes(t *testing.T) {
	s, err := parseSettings(map[string]string{ConnectionURLConfig: "http://a:9200,http://b:9200", "topics": "t"})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(s)
	now := time.Unix(1_800_000_000, 0)
	c.now = func() time.Time { return now }
	a, b := c.nodes[0], c.nodes[1]
	picked := func() (hosts string) {
		for _, n := range c.pick() {
			hosts += n.url.Host[:1]
		}
		return hosts
	}
	if p1, p2 := picked(), picked(); p1 != "ab" || p2 != "ba" {
		t.Fatalf("picked %s then %s, want ab then ba (round-robin)", p1, p2)
	}
	a.markDead(now)
	for range 3 {
		if p := picked(); p != "b" {
			t.Fatalf("picked %s with a dead", p)
		}
	}
	b.markDead(now)
	b.markDead(now) // two failures: two minutes
	if p := picked(); p != "a" {
		t.Fatalf("picked %s with both dead, want a, whose wait ends first", p)
	}
	now = now.Add(time.Minute)
	if p := picked(); p != "a" {
		t.Fatalf("picked %s once a's minute is over, want a alone", p)
	}
	for range 10 {
		a.markDead(now)
	}
	if got := a.deadUntil.Sub(now); got != 30*time.Minute {
		t.Fatalf("dead for %s after 11 failures, want at most 30m", got)
	}
	a.markAlive()
	now = now.Add(time.Minute)
	if p := picked(); len(p) != 2 {
		t.Fatalf("picked %s, want both alive", p)
	}
}
