/**
 * emitron in a Spring Boot application: {@link dev.emitron.examples.springboot.SpringBootExample} starts
 * it; {@code EmitronConfiguration} creates the {@link dev.emitron.core.Emitron} bean, mounts
 * {@link dev.emitron.servlet.EmitronServlet} at {@code /events/*} and lets Tomcat pass {@code %2F} through;
 * {@code OrderController} publishes from the application's own endpoint; settings come from
 * {@link dev.emitron.examples.springboot.EmitronProperties}.
 */
package dev.emitron.examples.springboot;
