package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	urfave "github.com/urfave/cli/v2"

	"github.com/connkit/connkit/sdk"
)

// callCommand connects an account and sends one API request or action.
func (a *App) callCommand() *urfave.Command {
	flags := append(connectFlags(),
		&urfave.StringFlag{Name: "action", Usage: "the `NAME` of the action to run"},
		&urfave.StringFlag{Name: "input", Usage: "the action's inputs as a JSON `OBJECT`"},
		&urfave.StringFlag{Name: "method", Usage: "the HTTP `METHOD` of a raw request"},
		&urfave.StringFlag{Name: "path", Usage: "the `PATH` of a raw request, resolved against the base URL"},
		&urfave.StringFlag{Name: "url", Usage: "the absolute `URL` of a raw request"},
		&urfave.StringFlag{Name: "body", Usage: "the `BODY` of a raw request"},
	)
	return &urfave.Command{
		Name:  "call",
		Usage: "connect an account and run an action or send a request",
		UsageText: "connkit call --manifest FILE --values FILE (--action NAME [--input JSON] |\n" +
			"   --method M (--path P | --url URL) [--body B]) [--format json] [--allow-private-networks]",
		Description: "Prints the response body (with --format json: {\"ok\": true, \"status\": N, \"body\": ...}).\n" +
			"A status outside 2xx, a refused request (kind blocked) or a failed connection exits 1.",
		Flags: flags,
		Action: func(c *urfave.Context) error {
			run, err := callTarget(c)
			if err != nil {
				return err
			}
			s, err := a.openSession(c)
			if err != nil {
				return err
			}
			defer s.close()
			conn, err := s.connect(c.Context)
			if err != nil {
				return a.writeFailure(s.jsonOut, err)
			}
			resp, err := run(c, conn)
			if err != nil {
				return a.writeFailure(s.jsonOut, err)
			}
			return a.writeResponse(s.jsonOut, resp)
		},
	}
}

type runFunc func(*urfave.Context, *sdk.Connection) (*sdk.Response, error)

// callTarget checks that the flags name exactly one of an action or a raw
// request and returns what to run.
func callTarget(c *urfave.Context) (runFunc, error) {
	action := c.String("action")
	raw := c.String("method") != "" || c.String("path") != "" || c.String("url") != "" || c.String("body") != ""
	switch {
	case action != "" && raw:
		return nil, usageErrorf(c, "give either --action or --method with --path/--url, not both")
	case action != "":
		var input map[string]any
		if in := c.String("input"); in != "" {
			d := json.NewDecoder(strings.NewReader(in))
			d.UseNumber()
			if err := d.Decode(&input); err != nil {
				return nil, usageErrorf(c, "--input must be a JSON object: %v", err)
			}
		}
		return func(c *urfave.Context, conn *sdk.Connection) (*sdk.Response, error) {
			return conn.Run(c.Context, action, input)
		}, nil
	case c.String("input") != "":
		return nil, usageErrorf(c, "--input goes with --action")
	case c.String("method") == "" || (c.String("path") == "") == (c.String("url") == ""):
		return nil, usageErrorf(c, "give --action NAME, or --method with exactly one of --path and --url")
	}
	req := &sdk.Request{Method: strings.ToUpper(c.String("method")), Path: c.String("path"), URL: c.String("url")}
	if b := c.String("body"); b != "" {
		req.Body = []byte(b)
	}
	return func(c *urfave.Context, conn *sdk.Connection) (*sdk.Response, error) {
		return conn.Do(c.Context, req)
	}, nil
}

// writeResponse prints a response; a status outside 2xx is a failure.
func (a *App) writeResponse(jsonOut bool, resp *sdk.Response) error {
	ok := resp.Status >= 200 && resp.Status < 300
	if jsonOut {
		out := struct {
			OK     bool       `json:"ok"`
			Status int        `json:"status"`
			Body   any        `json:"body"`
			Error  *errorJSON `json:"error,omitempty"`
		}{OK: ok, Status: resp.Status, Body: string(resp.Body)}
		if v, err := resp.JSON(); err == nil {
			out.Body = v
		}
		if !ok {
			out.Error = &errorJSON{Kind: "http_status", Message: fmt.Sprintf("the API answered status %d", resp.Status)}
		}
		if err := writeJSON(a.stdout(), out); err != nil {
			return err
		}
		if !ok {
			return &reported{&failure{kind: "http_status", err: fmt.Errorf("status %d", resp.Status)}}
		}
		return nil
	}
	if _, err := a.stdout().Write(resp.Body); err != nil {
		return ioErrorf(err, "write the output")
	}
	if !ok {
		return &failure{kind: "http_status", err: fmt.Errorf("the API answered status %d", resp.Status)}
	}
	return nil
}
