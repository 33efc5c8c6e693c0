package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kconnect-go/kconnect/runtime/herder"
)

// status runs "kconnect status URL": a table of the connectors and tasks
// of the worker or cluster at URL, from Kafka Connect's GET
// /connectors?expand=status, which any Kafka Connect worker answers. A
// user and password in the URL (http://user:password@host:8083) are sent
// as basic auth, and never shown.
func status(ctx context.Context, args []string, s *settings) error {
	fs := newFlags("status")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return exit(ExitUsage, errors.New("status: usage: kconnect status URL (a Kafka Connect REST endpoint, such as http://localhost:8083)"))
	}
	base := strings.TrimRight(fs.Arg(0), "/")
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/connectors?expand=status", nil)
	if err != nil {
		return exit(ExitUsage, fmt.Errorf("status: %w", err))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return exit(ExitConfig, fmt.Errorf("status: %w", err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return exit(ExitConfig, fmt.Errorf("status: reading %s: %w", req.URL.Redacted(), err))
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Message string `json:"message"`
		}
		msg := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &e) == nil && e.Message != "" {
			msg = e.Message
		}
		return exit(ExitConfig, fmt.Errorf("status: %s answered %s: %s", req.URL.Redacted(), resp.Status, msg))
	}
	var all map[string]struct {
		Status herder.ConnectorStatus `json:"status"`
	}
	if err := json.Unmarshal(body, &all); err != nil {
		return exit(ExitConfig, fmt.Errorf("status: %s: not Kafka Connect's answer: %w", req.URL.Redacted(), err))
	}
	tw := tabwriter.NewWriter(s.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTOR\tTASK\tTYPE\tSTATE\tWORKER\tTRACE")
	for _, name := range slices.Sorted(maps.Keys(all)) {
		st := all[name].Status
		fmt.Fprintf(tw, "%s\t-\t%s\t%s\t%s\t%s\n", name, st.Type, st.Connector.State, st.Connector.WorkerID, firstLine(st.Connector.Trace))
		tasks := slices.Clone(st.Tasks)
		slices.SortFunc(tasks, func(a, b herder.TaskState) int { return a.ID - b.ID })
		for _, t := range tasks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, strconv.Itoa(t.ID), st.Type, t.State, t.WorkerID, firstLine(t.Trace))
		}
	}
	if len(all) == 0 {
		fmt.Fprintln(tw, "(no connectors)")
	}
	return tw.Flush()
}

// firstLine returns the first line of a trace, which is a Java stack
// trace on a JVM worker.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}
