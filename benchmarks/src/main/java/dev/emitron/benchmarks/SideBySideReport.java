package dev.emitron.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints the Markdown summary of a {@code side-by-side.sh} session: for every figure, the median of the
 * measured runs of emitron and of Nchan, and their ratio; warm-up runs are left out. The lost,
 * duplicated and reordered counts add up every run, warm-up runs included.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.emitron.benchmarks.SideBySideReport runs.jsonl</pre>
 */
public final class SideBySideReport {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<JsonNode> runs;

  private SideBySideReport(List<JsonNode> runs) {
    this.runs = runs;
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("Usage: SideBySideReport runs.jsonl");
      System.exit(2);
    }
    List<JsonNode> runs = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      if (!line.isBlank()) {
        runs.add(JSON.readTree(line));
      }
    }
    System.out.print(new SideBySideReport(runs).render());
  }

  private record Figure(String scenario, String label, String field) {
  }

  private static final List<Figure> FIGURES = List.of(
      new Figure("S1", "S1 fan-out, deliveries/s", "deliveriesPerSec"),
      new Figure("S1", "S1 latency p99 at max rate, ms", "latencyP99Ms"),
      new Figure("S1", "S1 server CPU per delivery, µs", "serverCpuMicrosPerDelivery"),
      new Figure("S1r", "S1r latency p50 at 100 msg/s, ms", "latencyP50Ms"),
      new Figure("S1r", "S1r latency p99 at 100 msg/s, ms", "latencyP99Ms"),
      new Figure("S1r", "S1r server CPU per delivery, µs", "serverCpuMicrosPerDelivery"),
      new Figure("S2", "S2 publishes/s, one sequential publisher", "publishesPerSec"),
      new Figure("S3", "S3 RSS bytes per idle connection, fresh server", "bytesPerConnection"));

  String render() {
    StringBuilder out = new StringBuilder();
    out.append("| figure | emitron, memory | Nchan, memory | ratio | emitron, Redis | Nchan, Redis | ratio |\n");
    out.append("|---|---|---|---|---|---|---|\n");
    for (Figure figure : FIGURES) {
      double em = median("emitron-memory", figure);
      double nm = median("nchan-memory", figure);
      double er = median("emitron-redis", figure);
      double nr = median("nchan-redis", figure);
      out.append("| ").append(figure.label())
          .append(" | ").append(format(em)).append(" | ").append(format(nm)).append(" | ").append(ratio(em, nm))
          .append(" | ").append(format(er)).append(" | ").append(format(nr)).append(" | ").append(ratio(er, nr))
          .append(" |\n");
    }
    out.append("| lost + duplicated + reordered, all runs | ")
        .append(problems("emitron-memory")).append(" | ").append(problems("nchan-memory")).append(" |  | ")
        .append(problems("emitron-redis")).append(" | ").append(problems("nchan-redis")).append(" |  |\n");
    out.append("\nMedians of ").append(measuredRuns()).append(" measured runs per figure; ratio = emitron / Nchan.\n");
    return out.toString();
  }

  private double median(String target, Figure figure) {
    double[] values = runs.stream()
        .filter(run -> target.equals(run.path("target").asText()))
        .filter(run -> figure.scenario().equals(run.path("scenario").asText()))
        .filter(run -> !run.path("warmup").asBoolean(false))
        .filter(run -> run.path("run").isNumber())
        .filter(run -> run.has(figure.field()))
        .mapToDouble(run -> run.path(figure.field()).asDouble())
        .sorted()
        .toArray();
    if (values.length == 0) {
      return Double.NaN;
    }
    return values.length % 2 == 1 ? values[values.length / 2]
        : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
  }

  private String problems(String target) {
    long[] sums = new long[2];
    runs.stream()
        .filter(run -> target.equals(run.path("target").asText()))
        .filter(run -> run.path("run").isNumber())
        .forEach(run -> {
          sums[0] += run.path("lost").asLong() + run.path("duplicated").asLong() + run.path("reordered").asLong();
          sums[1]++;
        });
    return sums[1] == 0 ? "–" : sums[0] + " in " + sums[1] + " runs";
  }

  private long measuredRuns() {
    long total = runs.stream()
        .filter(run -> run.path("run").isNumber() && !run.path("warmup").asBoolean(false))
        .count();
    long groups = runs.stream()
        .filter(run -> run.path("run").isNumber() && !run.path("warmup").asBoolean(false))
        .map(run -> run.path("target").asText() + "/" + run.path("scenario").asText())
        .distinct()
        .count();
    return groups == 0 ? 0 : Math.round((double) total / groups);
  }

  private static String format(double value) {
    if (Double.isNaN(value)) {
      return "–";
    }
    if (Math.abs(value) >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }

  private static String ratio(double emitron, double nchan) {
    if (Double.isNaN(emitron) || Double.isNaN(nchan) || nchan == 0) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.2f×", emitron / nchan);
  }
}
