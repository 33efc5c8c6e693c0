package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// eventsAPI is a stand-in for the system the connector reads: an HTTP API
// serving each stream's events in order of id,
//
//	GET /streams/{name}/events?after=<id>&limit=<n>
//
// answering a JSON array of at most n events with ids greater than after.
type eventsAPI struct {
	mu      sync.Mutex
	streams map[string][]event
	mux     *http.ServeMux
}

func newEventsAPI() *eventsAPI {
	a := &eventsAPI{streams: map[string][]event{}, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /streams/{name}/events", a.events)
	return a
}

func (a *eventsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// add appends n events to stream, with the ids that follow its last.
func (a *eventsAPI) add(stream string, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	evs := a.streams[stream]
	for range n {
		id := int64(len(evs) + 1)
		data := fmt.Sprintf(`{"amount":%d}`, id*7%1000)
		evs = append(evs, event{ID: id, Type: stream + ".created", Data: &data,
			Time: time.UnixMilli(1_700_000_000_000 + id*1000).UTC()})
	}
	a.streams[stream] = evs
}

func (a *eventsAPI) events(w http.ResponseWriter, r *http.Request) {
	after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if err != nil {
		http.Error(w, "after: "+err.Error(), http.StatusBadRequest)
		return
	}
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit < 1 {
		http.Error(w, "limit: a positive number", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	evs, ok := a.streams[r.PathValue("name")]
	if ok && after >= 0 && after < int64(len(evs)) {
		evs = evs[after:min(int64(len(evs)), after+int64(limit))] // ids are 1, 2, …
	} else {
		evs = nil
	}
	a.mu.Unlock()
	if !ok {
		http.Error(w, "no such stream", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if evs == nil {
		evs = []event{}
	}
	json.NewEncoder(w).Encode(evs)
}
