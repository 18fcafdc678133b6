package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"credmint/app/audit"
	"credmint/app/issuance"
	"credmint/app/web/wire"
)

const requestIDKey = "credmint.request_id"

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func requestID(c *gin.Context) string {
	return c.GetString(requestIDKey)
}

// requestLog assigns a request id (a sane incoming X-Request-Id is kept) and
// writes one access log line per request. It logs the route pattern, never
// the raw path or query: offer URLs carry secrets.
func (s *Server) requestLog(c *gin.Context) {
	start := time.Now()
	id := c.GetHeader("X-Request-Id")
	if !requestIDPattern.MatchString(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(requestIDKey, id)
	c.Header("X-Request-Id", id)
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	level := slog.LevelInfo
	if c.Writer.Status() >= 500 {
		level = slog.LevelError
	}
	s.log.LogAttrs(c.Request.Context(), level, "request",
		slog.String("request_id", id),
		slog.String("method", c.Request.Method),
		slog.String("route", route),
		slog.Int("status", c.Writer.Status()),
		slog.Int("bytes", c.Writer.Size()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
	)
}

// recoverer turns a panic into a logged 500 with the protocol error body.
func (s *Server) recoverer(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.log.Error("panic", "request_id", requestID(c), "route", c.FullPath(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			s.writeError(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

// securityHeaders applies to every response. The console's HTML pages add
// their own CSP; frame-ancestors 'none' everywhere stops clickjacking.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	c.Next()
}

// cors lets browser-based wallets call the public endpoints. No cookies are
// involved, so any origin may.
func cors(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	if c.Request.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, DPoP")
		h.Set("Access-Control-Max-Age", "600")
	}
	h.Set("Access-Control-Expose-Headers", "WWW-Authenticate, DPoP-Nonce")
	c.Next()
}

// walletActor marks audit events of the public endpoints as a wallet's.
func walletActor(c *gin.Context) {
	ctx := audit.WithActor(c.Request.Context(), audit.Actor{Kind: audit.ActorWallet, RemoteAddr: c.ClientIP(), RequestID: requestID(c)})
	c.Request = c.Request.WithContext(ctx)
	c.Next()
}

// limitBody refuses bodies over n bytes: at once when Content-Length says so,
// otherwise when the handler reads past n (http.MaxBytesError → 413).
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			c.Header("Connection", "close")
			c.Header("Cache-Control", "no-store")
			c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, wire.Body{Error: issuance.CodeInvalidRequest, Description: fmt.Sprintf("the request body is too large (limit %d bytes)", n)})
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

func (s *Server) notFound(c *gin.Context) {
	if wantsHTML(c) {
		c.Data(http.StatusNotFound, "text/html; charset=utf-8", []byte("<!doctype html><title>Not found</title><h1>Not found</h1>"))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusNotFound, wire.Body{Error: "not_found", Description: "no such endpoint"})
}

func (s *Server) methodNotAllowed(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusMethodNotAllowed, wire.Body{Error: issuance.CodeInvalidRequest, Description: c.Request.Method + " is not allowed here"})
}

func wantsHTML(c *gin.Context) bool {
	return strings.Contains(c.GetHeader("Accept"), "text/html")
}
