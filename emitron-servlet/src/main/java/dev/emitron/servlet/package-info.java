/**
 * emitron's HTTP protocol as a Servlet 6 servlet.
 *
 * <p>{@link dev.emitron.servlet.EmitronServlet#builder(dev.emitron.core.Emitron)} creates the servlet
 * for an {@link dev.emitron.core.Emitron} instance; mount it at any path of any Servlet 6 container with
 * async support on. Routes below the mount: {@code GET sub/{topic}} (Server-Sent Events, with
 * {@code replay}, {@code Last-Event-ID} and {@code lastEventId}), {@code POST pub/{topic}},
 * {@code DELETE buffer/{topic}} and {@code GET health}. Every error is a JSON body
 * {@code {"ok":false,"error":"<code>","message":"<sentence>"}}.
 *
 * <p>Who may do what is decided by an {@link dev.emitron.servlet.Authorizer}: by default anyone may do
 * anything; {@link dev.emitron.servlet.TokenAuthorizer} checks a static publish token and JWT grants.
 * The servlet uses the {@code jakarta.servlet} 6.0 API, which the container provides.
 * Arguments and return values are non-null unless documented otherwise.
 */
package dev.emitron.servlet;
