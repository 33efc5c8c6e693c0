package worker

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/kconnect-go/kconnect/connect"
	"github.com/kconnect-go/kconnect/converter"
	"github.com/kconnect-go/kconnect/transform"
)

// taskPlugins are the converters and transform chain one task converts and
// transforms its records with. As in Kafka Connect, every task has its own,
// built with the task; whoever builds them closes them once (close) when
// nothing can use them any more: startTask when the task's goroutine
// returns, so that a task abandoned for ignoring its context, whose stuck
// Poll or Put may still be converting, does not have its plugins closed
// under it (they stay open until it returns, which beats closing what is
// in use), and newConnectorRun right after checking a configuration with
// them.
type taskPlugins struct {
	chain   *transform.Chain
	keys    converter.Converter
	values  converter.Converter
	headers converter.HeaderConverter

	closeOnce sync.Once
	closeErr  error
}

// newTaskPlugins builds the converters and transform chain of a connector
// configuration. When one cannot be built, those already built are closed.
func (w *Worker) newTaskPlugins(cfg *connect.Config, raw map[string]string) (*taskPlugins, error) {
	keys, values, headers, err := w.converters(cfg)
	if err != nil {
		return nil, err
	}
	chain, err := transform.ParseChain(raw, w.plugins...)
	if err != nil {
		return nil, errors.Join(err, closeConverters(keys, values, headers))
	}
	return &taskPlugins{chain: chain, keys: keys, values: values, headers: headers}, nil
}

// close closes the chain (its transformations and predicates) and the
// converters that implement io.Closer, each once however often close is
// called, and returns their errors, each naming what failed. A panic in a
// Close is an error too. A nil *taskPlugins has nothing to close.
func (p *taskPlugins) close() error {
	if p == nil {
		return nil
	}
	p.closeOnce.Do(func() {
		chainErr := safeCall(p.chain.Close)
		p.closeErr = errors.Join(chainErr, closeConverters(p.keys, p.values, p.headers))
	})
	return p.closeErr
}

// closeConverters closes the key, value and header converters given (any
// may be nil) that implement io.Closer, and returns their errors, each
// naming the converter's config key.
func closeConverters(key, value converter.Converter, header converter.HeaderConverter) error {
	return errors.Join(
		closeConverter(KeyConverterConfig, key),
		closeConverter(ValueConverterConfig, value),
		closeConverter(HeaderConverterConfig, header))
}

func closeConverter(configKey string, conv any) error {
	cl, ok := conv.(io.Closer)
	if !ok {
		return nil
	}
	if err := safeCall(cl.Close); err != nil {
		return fmt.Errorf("%s: closing: %w", configKey, err)
	}
	return nil
}
