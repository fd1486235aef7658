package validator

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/connkit/connkit/internal/memo"
	"github.com/connkit/connkit/internal/recache"
	"github.com/connkit/connkit/manifest"
)

// urlSite is an absolute-URL template with its variants.
type urlSite struct {
	site     *site
	pcs      []piece
	variants []variant
	shapes   []urlShape
}

// urlSites returns the templates that are absolute URLs (base, endpoints,
// authorize, redirect, issuer, request urls) with their select variants,
// built on first use.
func (c *context) urlSites() []*urlSite {
	if c.urls != nil {
		return c.urls
	}
	c.urls = []*urlSite{}
	for _, s := range c.sites {
		if s.kind != kindURL && s.kind != kindRedirect {
			continue
		}
		u := &urlSite{site: s, pcs: s.pieces()}
		lookup := func(key string) *fieldDecl { return c.lookupField(s, key) }
		u.variants = expand(u.pcs, lookup)
		for _, v := range u.variants {
			u.shapes = append(u.shapes, shape(textOf(v.pcs)))
		}
		c.urls = append(c.urls, u)
	}
	return c.urls
}

// blame returns where a finding about the start of a URL variant goes: the
// select option that gave the start, or the template.
func (c *context) blame(u *urlSite, v variant) (ptr string, option string) {
	if len(v.pcs) > 0 && v.pcs[0].option != nil {
		o := v.pcs[0].option
		return o.ptr(), strconv.Quote(o.field.field.Options[o.index].Value)
	}
	return u.site.ptr, ""
}

// checkAbsoluteURL reports URLs that are not absolute, and request paths
// that are absolute URLs or have no base URL to be resolved against.
func checkAbsoluteURL(c *context) {
	for _, u := range c.urlSites() {
		for i, sh := range u.shapes {
			ptr, option := c.blame(u, u.variants[i])
			switch {
			case sh.relative && option != "":
				c.report(ptr, "option %s of field %s starts the URL %s, so it must be an absolute URL such as https://api.example.com",
					option, u.variants[i].pcs[0].option.field.field.Key, u.site.where())
			case sh.relative:
				c.report(ptr, "%s %q is not an absolute URL: write scheme://host/path, such as https://api.example.com/v1", u.site.where(), u.site.src)
			case sh.known && sh.literal && sh.hostName() == "":
				c.report(ptr, "%s %q has no host: write scheme://host/path", u.site.where(), u.site.src)
			}
		}
	}
	for _, s := range c.sites {
		if s.kind != kindPath {
			continue
		}
		src := s.src
		switch {
		case strings.Contains(strings.SplitN(src, "{{", 2)[0], "://"):
			c.report(s.ptr, "%s %q is an absolute URL: write it as url (path is appended to base_url)", s.where(), src)
		case c.m.BaseURL == "":
			c.report(s.ptr, "%s is relative to base_url, but the manifest has no base_url: add base_url, or give an absolute url instead of path", s.where())
		}
	}
}

// insecure says whether a URL shape uses plain http to a host that is not
// a loopback address, or another scheme than https and http.
func (sh urlShape) insecure() bool {
	return sh.scheme != "" && sh.scheme != "https" && !sh.loopbackHTTP()
}

// loopbackHTTP says whether a URL shape is plain http to a loopback
// address.
func (sh urlShape) loopbackHTTP() bool {
	return sh.scheme == "http" && sh.known && sh.literal && isLoopback(sh.hostName())
}

// checkInsecureURL reports URLs that do not use https.
func checkInsecureURL(c *context) {
	for _, u := range c.urlSites() {
		for i, sh := range u.shapes {
			if !sh.insecure() {
				continue
			}
			ptr, option := c.blame(u, u.variants[i])
			subject := u.site.where()
			if option != "" {
				subject = "option " + option + " of field " + u.variants[i].pcs[0].option.field.field.Key + ", the start of " + subject + ","
			}
			c.report(ptr, "%s uses %s: use https (plain http sends credentials and data in clear; it is allowed only for loopback addresses)", subject, sh.scheme+"://")
		}
	}
}

// checkHTTPLoopback warns of plain http to loopback addresses: URLs (the
// redirect URL excepted, where RFC 8252 section 7.3 recommends it) and
// whitelist entries.
func checkHTTPLoopback(c *context) {
	for _, u := range c.urlSites() {
		if u.site.kind == kindRedirect {
			continue
		}
		for i, sh := range u.shapes {
			if sh.loopbackHTTP() {
				ptr, _ := c.blame(u, u.variants[i])
				c.report(ptr, "%s uses plain http to the loopback address %s: fine for local testing, but the real provider needs https", u.site.where(), sh.hostName())
			}
		}
	}
	for _, ne := range c.network().entries {
		if ne.entry.Scheme == "http" {
			c.report(manifest.Pointer("whitelist", strconv.Itoa(ne.index)), "whitelist entry %q allows plain http to a loopback address: fine for local testing, but the real provider needs https", ne.entry.Raw)
		}
	}
}

// checkHostFieldPattern reports fields inserted into the host of a URL
// whose values are not restricted to host-name characters.
func checkHostFieldPattern(c *context) {
	for _, u := range c.urlSites() {
		var prefix strings.Builder
		for _, p := range u.pcs {
			if !p.hole {
				prefix.WriteString(p.text)
				continue
			}
			if partAfter(prefix.String()) == partHost {
				for _, r := range p.refs {
					if r.Scope != "fields" || len(r.Path) == 0 {
						continue
					}
					if d := c.lookupField(u.site, r.Path[0]); d != nil {
						if msg := hostFieldProblem(d.field); msg != "" {
							c.reportRef(u.site, r, "%s goes into the host of %s, but %s", r, u.site.where(), msg)
						}
					}
				}
			}
			prefix.WriteString(holeMark)
		}
	}
}

// hostLabelRE matches text made of host-name characters.
var hostLabelRE = regexp.MustCompile(`^[A-Za-z0-9.-]+$`)

// examplePattern is the pattern suggested for a field in a host.
const examplePattern = "^[a-z0-9][a-z0-9-]*$"

// hostFieldProblem says why field f may not be inserted into a host, or
// returns "".
func hostFieldProblem(f *manifest.Field) string {
	if f.Type == manifest.FieldSelect && len(f.Options) > 0 {
		for _, o := range f.Options {
			if !hostLabelRE.MatchString(o.Value) {
				return "its option " + strconv.Quote(o.Value) + " is not made of host-name characters (letters, digits, dots and dashes)"
			}
		}
		return ""
	}
	if f.Pattern == "" {
		return "field " + f.Key + " has no pattern: add one that allows only host-name characters, such as pattern: " + examplePattern
	}
	if probe := hostPatternLeak(f.Pattern); probe != "" {
		return "the pattern of field " + f.Key + " allows " + strconv.Quote(probe) + ", which is not a host name: allow only letters, digits, dots and dashes, such as " + examplePattern
	}
	return ""
}

// hostProbes are values that are not host-name fragments: each holds a
// character a host cannot.
var hostProbes = func() []string {
	var out []string
	for _, ch := range strings.Split("/ @ : ? # % \\ _ ! $ & ' ( ) * + , ; = ~ [ ] \" < > ^ { } | `", " ") {
		out = append(out, ch, "a"+ch, ch+"a", "a"+ch+"a", "a1"+ch+"b.c")
	}
	for _, ch := range []string{" ", "\t", "\n", "é"} {
		out = append(out, ch, "a"+ch+"a")
	}
	return out
}()

// hostPatternLeak returns a value that the field pattern accepts although
// it is not a host-name fragment, or "" when there is none among the
// probes. The pattern must match the whole value, as the runtime applies
// it.
func hostPatternLeak(pattern string) string {
	return hostLeaks.Get(pattern, probeHostPattern)
}

// hostLeaks remembers hostPatternLeak's answers: manifests repeat their
// host-name patterns, and each answer costs dozens of matches.
var hostLeaks = &memo.Map[string]{Max: 4096}

// probeHostPattern matches the host probes against pattern.
func probeHostPattern(pattern string) string {
	re, err := recache.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		return "" // the loader reports a pattern that does not compile
	}
	for _, p := range hostProbes {
		if re.MatchString(p) {
			return p
		}
	}
	return ""
}
