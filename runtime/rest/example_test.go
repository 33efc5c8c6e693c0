package rest_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/kconnect-go/kconnect/runtime/embedded"
	"github.com/kconnect-go/kconnect/runtime/loglevels"
	"github.com/kconnect-go/kconnect/runtime/rest"
	"github.com/kconnect-go/kconnect/runtime/worker"
	sourcefile "github.com/kconnect-go/kconnect/source/file"
)

// A worker's REST API mounted under /connect/ of a program's own mux, next
// to its other handlers, with the worker's log levels at /admin/loggers.
func Example() {
	levels := loglevels.New(slog.LevelInfo)
	logger := slog.New(levels.Handler(slog.DiscardHandler))
	w, err := worker.New(embedded.Broker(), worker.Plugins(sourcefile.Plugin()), worker.Logger(logger), worker.ID("worker-1"))
	if err != nil {
		panic(err)
	}
	defer w.Close()

	mux := http.NewServeMux()
	mux.Handle("/connect/", http.StripPrefix("/connect", rest.NewHandler(w,
		rest.Loggers(levels), rest.Version("1.0.0", "abc123"), rest.Logger(logger))))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	call := func(method, path, body string) {
		req, _ := http.NewRequest(method, srv.URL+"/connect"+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Println(resp.StatusCode, string(b))
		if loc := resp.Header.Get("Location"); loc != "" {
			fmt.Println("Location:", strings.TrimPrefix(loc, srv.URL))
		}
	}
	call("GET", "/connectors", "")
	call("POST", "/connectors", `{"name":"lines","initial_state":"STOPPED",`+
		`"config":{"connector.class":"FileStreamSource","file":"lines.txt","topic":"lines"}}`)
	call("GET", "/connectors/lines/status", "")
	call("PUT", "/admin/loggers/connector.lines", `{"level":"DEBUG"}`)
	call("GET", "/connectors/nope", "")
	// Output:
	// 200 []
	// 201 {"name":"lines","config":{"connector.class":"FileStreamSource","file":"lines.txt","topic":"lines","name":"lines"},"tasks":[],"type":"source"}
	// Location: /connect/connectors/lines
	// 200 {"name":"lines","connector":{"state":"STOPPED","worker_id":"worker-1","version":"(devel)"},"tasks":[],"type":"source"}
	// 200 ["connector.lines"]
	// 404 {"error_code":404,"message":"Connector nope not found"}
}
