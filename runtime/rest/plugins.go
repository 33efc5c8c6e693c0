package rest

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/runtime/herder"
)

// listConnectorPlugins is GET /connector-plugins: the connector plugins,
// or with connectorsOnly=false every plugin. connectorsOnly is read as
// JAX-RS reads a boolean, so any value but "true" lists every plugin.
func (s *server) listConnectorPlugins(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	plugins, err := s.h.ConnectorPlugins(ctx, queryBool(r.URL.Query(), "connectorsOnly", true))
	if plugins == nil {
		plugins = []herder.PluginInfo{}
	}
	return okOr(plugins, err)
}

func (s *server) getConnectorPluginConfig(ctx context.Context, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	keys, err := s.h.ConnectorPluginConfig(ctx, r.PathValue("plugin"))
	if keys == nil {
		keys = []connect.ConfigKeyInfo{}
	}
	return okOr(keys, err)
}

// validateConfigs is PUT /connector-plugins/{plugin}/config/validate. A
// connector.class in the configuration must name the plugin of the path,
// as Kafka Connect checks it: each name without a "Connector" suffix, the
// class's must end with the path's, so the path may name the plugin by
// class, by simple class name or by alias.
func (s *server) validateConfigs(ctx context.Context, w http.ResponseWriter, r *http.Request) (int, any, error) {
	body, err := s.readBody(w, r)
	if err != nil {
		return 0, nil, err
	}
	config, err := configMap(body)
	if err != nil {
		return 0, nil, err
	}
	plugin := r.PathValue("plugin")
	if class, ok := config["connector.class"]; ok && !strings.HasSuffix(pluginAlias(class), pluginAlias(plugin)) {
		return 0, nil, errorf(http.StatusBadRequest, "Included connector type %s does not match request type %s", class, plugin)
	}
	infos, err := s.h.ValidateConfig(ctx, config)
	if errors.Is(err, herder.ErrBadRequest) {
		// Kafka Connect 4.4 answers these (no class, no such plugin) with
		// its BadRequestException wrapped in a 500.
		if strings.TrimSpace(config["connector.class"]) == "" {
			return 0, nil, errorf(http.StatusInternalServerError, "Connector config contains no connector type")
		}
		return 0, nil, errorf(http.StatusInternalServerError, "%v", err)
	}
	return okOr(infos, err)
}

// pluginAlias drops a plugin name's "Connector" suffix, as Kafka Connect's
// normalizedPluginName does.
func pluginAlias(name string) string {
	const suffix = "Connector"
	if len(name) > len(suffix) {
		return strings.TrimSuffix(name, suffix)
	}
	return name
}
