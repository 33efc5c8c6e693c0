package rest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/herder"
)

// serverInfo is GET /: Kafka Connect's ServerInfo.
func (s *server) serverInfo(context.Context, http.ResponseWriter, *http.Request) (int, any, error) {
	return http.StatusOK, struct {
		Version        string `json:"version"`
		Commit         string `json:"commit"`
		KafkaClusterID string `json:"kafka_cluster_id"`
	}{s.o.version, s.o.commit, s.o.clusterID}, nil
}

// workerStatus is GET /health's body, Kafka Connect's WorkerStatus.
type workerStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// healthCheck is GET /health (KIP-1017), with Kafka Connect's messages.
func (s *server) healthCheck(_ context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	ctx, cancel := context.WithTimeout(r.Context(), s.o.healthTimeout)
	defer cancel()
	err := s.o.health(ctx)
	switch {
	case err == nil:
		return http.StatusOK, workerStatus{"healthy", "Worker has completed startup and is ready to handle requests."}, nil
	case errors.Is(err, ErrStarting):
		msg := "Worker is still starting up."
		if err != ErrStarting {
			msg += " " + err.Error()
		}
		return http.StatusServiceUnavailable, workerStatus{"starting", msg}, nil
	}
	msg := "Worker was unable to handle this request and may be unable to handle other requests."
	if ctx.Err() == nil {
		msg += " " + err.Error()
	}
	return http.StatusInternalServerError, workerStatus{"unhealthy", msg}, nil
}

// listConnectors is GET /connectors, with ?expand=status and ?expand=info
// (repeatable) the map Kafka Connect builds: each connector to its
// expansions, both maps java.util.HashMaps written in their order. A
// connector deleted while the map is built is left out, and an unknown
// expansion ignored, as in Kafka Connect.
func (s *server) listConnectors(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	names, err := s.h.ListConnectors(ctx)
	if err != nil {
		return 0, nil, err
	}
	expand, ok := r.URL.Query()["expand"]
	if !ok {
		if names == nil {
			names = []string{}
		}
		return http.StatusOK, names, nil
	}
	var kinds []string
	for _, e := range expand {
		if (e == "status" || e == "info") && !slices.Contains(kinds, e) {
			kinds = append(kinds, e)
		}
	}
	connect.JavaHashMapOrder(kinds)
	type entry struct {
		name string
		body []byte
	}
	var out []entry
	for _, name := range names {
		b := []byte{'{'}
		gone := false
		for i, kind := range kinds {
			var v any
			var err error
			if kind == "status" {
				v, err = s.h.ConnectorStatus(ctx, name)
			} else {
				v, err = s.h.ConnectorInfo(ctx, name)
			}
			if errors.Is(err, herder.ErrNotFound) {
				gone = true
				break
			}
			if err != nil {
				return 0, nil, err
			}
			vb, err := marshal(v)
			if err != nil {
				return 0, nil, err
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, kind)
			b = append(b, ':')
			b = append(b, vb...)
		}
		if !gone {
			out = append(out, entry{name, append(b, '}')})
		}
	}
	order := make([]string, len(out))
	bodies := make(map[string][]byte, len(out))
	for i, e := range out {
		order[i] = e.name
		bodies[e.name] = e.body
	}
	connect.JavaHashMapOrder(order)
	b := []byte{'{'}
	for i, name := range order {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, name)
		b = append(b, ':')
		b = append(b, bodies[name]...)
	}
	return http.StatusOK, json.RawMessage(append(b, '}')), nil
}

// createRequest reads POST /connectors' body, Kafka Connect's
// CreateConnectorRequest: unknown fields are refused, as Jackson refuses
// them there.
func createRequest(body []byte) (req herder.CreateRequest, order []string, err error) {
	raw, err := decodeObject(body)
	if err != nil {
		return herder.CreateRequest{}, nil, err
	}
	for k, v := range raw {
		switch k {
		case "name":
			name, err := scalarString(v)
			if err != nil {
				return req, nil, bodyError("The value of \"name\": %v", err)
			}
			if name != nil {
				req.Name = *name
			}
		case "config":
			if string(v) == "null" {
				continue
			}
			cfg, err := configMap(v)
			if err != nil {
				return req, nil, err
			}
			req.Config = cfg
			order = objectKeys(v)
		case "initial_state":
			state, err := scalarString(v)
			if err != nil {
				return req, nil, bodyError("The value of \"initial_state\": %v", err)
			}
			if state != nil {
				req.InitialState = herder.InitialState(*state)
			}
		default:
			return req, nil, bodyError(`Unrecognized field %q: a connector is created with "name", "config" and "initial_state"`, k)
		}
	}
	if req.Config == nil {
		return req, nil, bodyError(`The request has no "config": a connector is created with "name", "config" and "initial_state"`)
	}
	return req, order, nil
}

// createConnector is POST /connectors: 201 with a Location header and the
// connector's info.
func (s *server) createConnector(ctx context.Context, w http.ResponseWriter, r *http.Request) (int, any, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return 0, nil, err
	}
	req, order, err := createRequest(body)
	if err != nil {
		return 0, nil, err
	}
	// Kafka Connect trims the name; an empty one is then refused by the
	// herder's validation of the name key, naming it.
	name := strings.TrimSpace(req.Name)
	if err := checkName(name, req.Config); err != nil {
		return 0, nil, err
	}
	state, err := req.InitialState.TargetState()
	if err != nil {
		// Jackson reads initial_state into an enum and fails there, so
		// Kafka Connect answers it as a body it cannot read.
		return 0, nil, bodyError("%v", err)
	}
	if err := hasClass(req.Config); err != nil {
		return 0, nil, err
	}
	info, _, err := s.h.PutConnectorConfig(ctx, name, req.Config, herder.PutOptions{CreateOnly: true, InitialState: state, KeyOrder: order})
	if errors.Is(err, herder.ErrAlreadyExists) {
		return 0, nil, errorf(http.StatusConflict, "Connector %s already exists", name)
	}
	if err != nil {
		return 0, nil, err
	}
	w.Header().Set("Location", location(r, name))
	return http.StatusCreated, info, nil
}

// hasClass refuses a configuration without connector.class, with Kafka
// Connect's message, before anything else is checked, as there.
func hasClass(config map[string]string) error {
	if strings.TrimSpace(config["connector.class"]) == "" {
		return errorf(http.StatusBadRequest, "Connector config contains no connector type")
	}
	return nil
}

// checkName refuses a configuration whose name key is not the connector's
// name, with Kafka Connect's message, and sets it when missing.
func checkName(name string, config map[string]string) error {
	if n, ok := config["name"]; ok {
		if n != name {
			return errorf(http.StatusBadRequest, "Connector name configuration (%s) doesn't match connector name in the URL (%s)", n, name)
		}
		return nil
	}
	config["name"] = name
	return nil
}

// location is a created connector's URL, absolute as JAX-RS makes it: the
// name escaped as a path, its slashes kept (so a name holding one gives a
// URL that names another resource, as in Kafka Connect). A handler mounted
// below a prefix (http.StripPrefix) keeps it: it is what the request's own
// target has before the path the handler saw.
func location(r *http.Request, name string) string {
	scheme := requestScheme(r)
	prefix := ""
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		orig := strings.TrimSuffix(u.EscapedPath(), "/")
		if cur := r.URL.EscapedPath(); strings.HasSuffix(orig, cur) {
			prefix = orig[:len(orig)-len(cur)]
		}
	}
	return scheme + "://" + r.Host + prefix + "/connectors/" + strings.ReplaceAll(url.PathEscape(name), "%2F", "/")
}

func (s *server) getConnector(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	info, err := s.h.ConnectorInfo(ctx, name)
	return okOr(info, connectorNotFound(err, name))
}

// connectorNotFound is most endpoints' answer to an unknown connector.
func connectorNotFound(err error, name string) error {
	return unknown(err, http.StatusNotFound, "Connector %s not found", name)
}

func (s *server) deleteConnector(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	return noContentOr(connectorNotFound(s.h.DeleteConnector(ctx, name), name))
}

// getConnectorConfig answers the configuration in the order its keys were
// given, which ConnectorInfo knows.
func (s *server) getConnectorConfig(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	config, err := s.h.ConnectorConfig(ctx, name)
	if err != nil {
		return 0, nil, connectorNotFound(err, name)
	}
	var order []string
	if info, err := s.h.ConnectorInfo(ctx, name); err == nil {
		order = info.ConfigOrder
	}
	return http.StatusOK, orderedConfig{config, order}, nil
}

// orderedConfig is a configuration written with its keys in order
// (herder.OrderedKeys).
type orderedConfig struct {
	config map[string]string
	order  []string
}

func (c orderedConfig) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, k := range herder.OrderedKeys(c.config, c.order) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, c.config[k])
	}
	return append(b, '}'), nil
}

// putConnectorConfig is PUT /connectors/{name}/config: 201 with a Location
// header when it created the connector, 200 when it replaced its
// configuration.
func (s *server) putConnectorConfig(ctx context.Context, w http.ResponseWriter, r *http.Request) (int, any, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return 0, nil, err
	}
	config, err := configMap(body)
	if err != nil {
		return 0, nil, err
	}
	name := r.PathValue("name")
	if err := checkName(name, config); err != nil {
		return 0, nil, err
	}
	if err := hasClass(config); err != nil {
		return 0, nil, err
	}
	info, created, err := s.h.PutConnectorConfig(ctx, name, config, herder.PutOptions{KeyOrder: objectKeys(body)})
	if err != nil {
		return 0, nil, err
	}
	if created {
		w.Header().Set("Location", location(r, name))
		return http.StatusCreated, info, nil
	}
	return http.StatusOK, info, nil
}

// patchConnectorConfig is PATCH /connectors/{name}/config (KIP-477): a
// null value removes its key.
func (s *server) patchConnectorConfig(ctx context.Context, w http.ResponseWriter, r *http.Request) (int, any, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return 0, nil, err
	}
	patch, err := stringMap(body)
	if err != nil {
		return 0, nil, err
	}
	name := r.PathValue("name")
	info, err := s.h.PatchConnectorConfig(ctx, name, patch)
	return okOr(info, connectorNotFound(err, name))
}

func (s *server) getConnectorStatus(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	st, err := s.h.ConnectorStatus(ctx, name)
	return okOr(st, unknown(err, http.StatusNotFound, "No status found for connector %s", name))
}

// restartConnector is POST /connectors/{name}/restart. With neither
// includeTasks nor onlyFailed it restarts the connector alone and answers
// 204, or the error of its start, as Kafka Connect has since before
// KIP-745; otherwise 202 with the status as it was, what is restarted
// shown RESTARTING. A restart the herder made (it returns the status) that
// then went wrong, a connector failing to start again or a task not
// stopping, is still 202, as Kafka Connect answers once the restart is
// planned; what went wrong is in the connector's status, and logged.
func (s *server) restartConnector(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	q := r.URL.Query()
	opts := herder.RestartOptions{IncludeTasks: queryBool(q, "includeTasks", false), OnlyFailed: queryBool(q, "onlyFailed", false)}
	name := r.PathValue("name")
	st, err := s.h.RestartConnectorAndTasks(ctx, name, opts)
	if !opts.IncludeTasks && !opts.OnlyFailed {
		// Kafka Connect's standalone herder fails on an unknown
		// connector's missing configuration there: a 500.
		return noContentOr(unknown(err, http.StatusInternalServerError, "Unknown connector %s", name))
	}
	err = unknown(err, http.StatusNotFound, "Unknown connector: %s", name)
	if err != nil {
		if st.Name == "" {
			return 0, nil, err
		}
		s.o.log.LogAttrs(r.Context(), slog.LevelWarn, "restart did not go as asked",
			slog.String("connector", name), slog.String("error", err.Error()))
	}
	return http.StatusAccepted, st, nil
}

// queryBool reads a boolean query parameter as JAX-RS does, with
// Boolean.valueOf: "true" in any case is true, anything else false.
func queryBool(q url.Values, key string, def bool) bool {
	v, ok := q[key]
	if !ok || len(v) == 0 {
		return def
	}
	return strings.EqualFold(v[0], "true")
}

func (s *server) pauseConnector(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	return acceptedOr(unknown(s.h.PauseConnector(ctx, name), http.StatusNotFound, "Unknown connector %s", name))
}

func (s *server) resumeConnector(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	return acceptedOr(unknown(s.h.ResumeConnector(ctx, name), http.StatusNotFound, "Unknown connector %s", name))
}

// stopConnector is PUT /connectors/{name}/stop; an unknown connector is a
// 500 there, as Kafka Connect's standalone herder answers it.
func (s *server) stopConnector(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	return noContentOr(unknown(s.h.StopConnector(ctx, name), http.StatusInternalServerError, "No connector `%s` configured", name))
}

func (s *server) getTaskConfigs(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	tasks, err := s.h.TaskConfigs(ctx, name)
	if tasks == nil {
		tasks = []herder.TaskInfo{}
	}
	return okOr(tasks, connectorNotFound(err, name))
}

// task reads the {task} path parameter; one that is not a number names no
// resource, as Jersey answers.
func task(r *http.Request) (int, error) {
	n, err := strconv.ParseInt(r.PathValue("task"), 10, 32)
	if err != nil {
		return 0, notFound
	}
	return int(n), nil
}

func (s *server) getTaskStatus(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	t, err := task(r)
	if err != nil {
		return 0, nil, err
	}
	name := r.PathValue("name")
	st, err := s.h.TaskStatus(ctx, name, t)
	return okOr(st, unknown(err, http.StatusNotFound, "No status found for task %s-%d", name, t))
}

func (s *server) restartTask(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	t, err := task(r)
	if err != nil {
		return 0, nil, err
	}
	name := r.PathValue("name")
	err = s.h.RestartTask(ctx, name, t)
	if errors.Is(err, herder.ErrNotFound) {
		// Kafka Connect's standalone herder answers a task of an unknown
		// connector with a 500, an unknown task of a known one with a 404.
		if _, serr := s.h.ConnectorStatus(ctx, name); errors.Is(serr, herder.ErrNotFound) {
			return 0, nil, errorf(http.StatusInternalServerError, "Failed to start task %s-%d since it is not a recognizable type (source or sink)", name, t)
		}
		return 0, nil, errorf(http.StatusNotFound, "Task %s-%d not found", name, t)
	}
	return noContentOr(err)
}

// topicTrackingDisabled is Kafka Connect's answer to the active topics
// endpoints with topic.tracking.enable=false: a herder that is not a
// herder.TopicTracker keeps no record of the topics connectors use.
var topicTrackingDisabled = &restError{status: http.StatusForbidden, msg: "Topic tracking is disabled."}

// getActiveTopics is GET /connectors/{name}/topics (KIP-558):
// {"<name>":{"topics":[...]}}.
func (s *server) getActiveTopics(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	tt, ok := s.h.(herder.TopicTracker)
	if !ok {
		return 0, nil, topicTrackingDisabled
	}
	name := r.PathValue("name")
	topics, err := tt.ConnectorActiveTopics(ctx, name)
	if err != nil {
		return 0, nil, err
	}
	if topics == nil {
		topics = []string{}
	}
	type activeTopics struct {
		Topics []string `json:"topics"`
	}
	return http.StatusOK, map[string]activeTopics{name: {topics}}, nil
}

// resetActiveTopics is PUT /connectors/{name}/topics/reset: 202.
func (s *server) resetActiveTopics(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	tt, ok := s.h.(herder.TopicTracker)
	if !ok {
		return 0, nil, topicTrackingDisabled
	}
	return acceptedOr(tt.ResetConnectorActiveTopics(ctx, r.PathValue("name")))
}

func (s *server) getOffsets(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	offsets, err := s.h.ConnectorOffsets(ctx, name)
	return okOr(offsets, connectorNotFound(err, name))
}

// alterOffsets is PATCH /connectors/{name}/offsets (KIP-875).
func (s *server) alterOffsets(ctx context.Context, w http.ResponseWriter, r *http.Request) (int, any, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return 0, nil, err
	}
	if _, err := decodeObject(body); err != nil {
		return 0, nil, err
	}
	var offsets herder.ConnectorOffsets
	if err := json.Unmarshal(body, &offsets); err != nil {
		return 0, nil, bodyError("The request body is not a list of offsets: %s", jsonProblem(err))
	}
	if len(offsets.Offsets) == 0 {
		return 0, nil, errorf(http.StatusBadRequest, "Partitions / offsets need to be provided for an alter offsets request")
	}
	name := r.PathValue("name")
	msg, err := s.h.AlterConnectorOffsets(ctx, name, offsets)
	return okOr(msg, connectorNotFound(err, name))
}

func (s *server) resetOffsets(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	msg, err := s.h.ResetConnectorOffsets(ctx, name)
	return okOr(msg, connectorNotFound(err, name))
}

func okOr[T any](v T, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

func noContentOr(err error) (int, any, error) { return http.StatusNoContent, nil, err }

func acceptedOr(err error) (int, any, error) { return http.StatusAccepted, nil, err }
