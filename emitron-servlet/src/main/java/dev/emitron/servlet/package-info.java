/**
 * emitron's HTTP protocol as a Servlet 6 servlet.
 *
 * <p>{@link dev.emitron.servlet.EmitronServlet#builder(dev.emitron.core.Emitron)} creates the servlet
 * for an {@link dev.emitron.core.Emitron} instance; mount it at any path of any Servlet 6 container with
 * async support on. Routes below the mount: {@code GET sub/{topic}} (Server-Sent Events, with
 * {@code replay}, {@code Last-Event-ID} and {@code lastEventId}), {@code POST pub/{topic}},
 * {@code DELETE buffer/{topic}} and {@code GET health}. Every error is a JSON body
 * {@code {"ok":false,"error":"<code>","message":"<sentence>"}}.
 */
package dev.emitron.servlet;
