package sdk

import (
	"context"

	"github.com/connkit/connkit/sdk/tokens"
)

// CurrentToken exposes the token cache lookup every API request pays, for
// the benchmarks.
func CurrentToken(ctx context.Context, conn *Connection) (*tokens.Token, error) {
	return conn.token(ctx)
}
