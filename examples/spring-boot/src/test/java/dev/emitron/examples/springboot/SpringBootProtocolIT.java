package dev.emitron.examples.springboot;

import dev.emitron.core.Emitron;
import dev.emitron.core.testing.ProtocolTestKit;
import dev.emitron.servlet.EmitronServlet;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.Banner;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.boot.web.servlet.context.ServletWebServerApplicationContext;

/**
 * The whole HTTP protocol kit against the Spring Boot application: emitron's servlet mounted at
 * {@code /events/} on Tomcat, beside the application's own controller.
 */
class SpringBootProtocolIT extends ProtocolTestKit {

  @Override
  protected Server startServer(Map<String, String> env) {
    return SpringBootServer.start(env);
  }

  @Override
  protected String transportName() {
    return "memory";
  }

  /**
   * Tomcat answers 400 (with emitron's JSON body, see {@code JsonErrorReportValve}) to a request target
   * holding raw non-ASCII bytes or a raw backslash, before any servlet runs: RFC 3986 allows neither, and
   * browsers and HTTP clients send them percent-encoded ({@code caf%C3%A9}, {@code a%5Cc}), which work.
   * Letting a raw backslash through would take {@code allowBackslash}, which makes it a path separator
   * for Tomcat's mapping, so that {@code /events\..\orders} would reach the application's own routes.
   */
  @Override
  protected Set<String> spellingsTheContainerRefuses() {
    return Set.of("caf\u00e9", "a\\c");
  }

  /** The application started with the kit's environment; {@code application.properties} maps its names. */
  record SpringBootServer(ServletWebServerApplicationContext context) implements Server {

    static SpringBootServer start(Map<String, String> env) {
      List<String> args = new ArrayList<>();
      args.add("--server.port=" + env.getOrDefault("PORT", "0"));
      args.add("--server.address=" + env.getOrDefault("HOST", "127.0.0.1"));
      env.forEach((name, value) -> args.add("--" + name + "=" + value));
      return new SpringBootServer((ServletWebServerApplicationContext) new SpringApplicationBuilder(SpringBootExample.class)
          .bannerMode(Banner.Mode.OFF)
          .logStartupInfo(false)
          .run(args.toArray(String[]::new)));
    }

    @Override
    public URI uri() {
      return URI.create("http://127.0.0.1:" + context.getWebServer().getPort() + EmitronConfiguration.PREFIX);
    }

    @Override
    public int openStreams() {
      return ((EmitronServlet) context.getBean("emitronServlet", ServletRegistrationBean.class).getServlet())
          .openStreams();
    }

    @Override
    public Emitron emitron() {
      return context.getBean(Emitron.class);
    }

    @Override
    public void close() {
      context.close();
    }
  }
}
