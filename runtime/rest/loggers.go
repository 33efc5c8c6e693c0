package rest

import (
	"context"
	"net/http"
	"strings"

	"github.com/kconnect-go/kconnect/runtime/loglevels"
)

// listLoggers is GET /admin/loggers: the loggers with a level of their
// own, and root, sorted by name as Kafka Connect's TreeMap has them.
func (s *server) listLoggers(context.Context, http.ResponseWriter, *http.Request) (int, any, error) {
	// encoding/json writes a map's keys sorted, as the TreeMap iterates.
	return http.StatusOK, s.o.loggers.Levels(), nil
}

func (s *server) getLogger(_ context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	name := r.PathValue("name")
	level, ok := s.o.loggers.Level(name)
	if !ok {
		return 0, nil, errorf(http.StatusNotFound, "Logger %s not found.", name)
	}
	return http.StatusOK, level, nil
}

// setLogLevel is PUT /admin/loggers/{name}?scope=worker|cluster with body
// {"level":"DEBUG"}. Worker scope answers 200 with the loggers it set;
// cluster scope 204, as Kafka Connect does. This worker is the only one a
// level is set on in either scope: a herder has no call to set it on the
// others of its group. Any other scope is worker scope, as in Kafka
// Connect. An unknown level is 404, as Kafka Connect answers it.
func (s *server) setLogLevel(_ context.Context, w http.ResponseWriter, r *http.Request) (int, any, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return 0, nil, err
	}
	m, err := stringMap(body)
	if err != nil {
		return 0, nil, err
	}
	level := m["level"]
	if level == nil {
		return 0, nil, errorf(http.StatusBadRequest, "Desired 'level' parameter was not specified in request.")
	}
	if _, ok := loglevels.ParseLevel(*level); !ok {
		return 0, nil, errorf(http.StatusNotFound, "invalid log level '%s'.", *level)
	}
	affected, err := s.o.loggers.SetLevel(r.PathValue("name"), strings.ToUpper(*level))
	if err != nil {
		return 0, nil, err
	}
	if strings.EqualFold(r.URL.Query().Get("scope"), "cluster") {
		return http.StatusNoContent, nil, nil
	}
	if affected == nil {
		affected = []string{}
	}
	return http.StatusOK, affected, nil
}
