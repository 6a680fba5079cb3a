package dev.emitron.redis;

/**
 * The Lua scripts of the transport. Each runs atomically in Redis: a publish cannot interleave with a
 * read, so reads are consistent snapshots.
 *
 * <p>Redis 7.0 trims a stream without recording what it removed (its {@code max-deleted-entry-id} moves
 * only on {@code XDEL}), so the scripts that remove entries record the newest one removed with
 * {@code XSETID ... MAXDELETEDID}. A resume right after that id is then known to be gapless, as with the
 * in-memory transport.
 *
 * <p>Results never hold Lua {@code false} (a RESP3 client would get a boolean): "none" is an empty string.
 */
final class Scripts {

  private Scripts() {
  }

  /** Reads {@code XINFO STREAM} into a table and adds the helpers the read scripts share. */
  private static final String COMMON = """
      local function info(key)
        local reply = redis.call('XINFO', 'STREAM', key)
        local fields = {}
        for i = 1, #reply, 2 do fields[reply[i]] = reply[i + 1] end
        return fields
      end
      local function oldest(fields)
        if fields['length'] > 0 then return fields['first-entry'][1] end
        return ''
      end
      local function flatten(entries, out, from, to, step)
        for i = from, to, step do
          local entry = entries[i]
          local event, data = '', ''
          local f = entry[2]
          for j = 1, #f, 2 do
            if f[j] == 'e' then event = f[j + 1] elseif f[j] == 'd' then data = f[j + 1] end
          end
          out[#out + 1] = entry[1]
          out[#out + 1] = event
          out[#out + 1] = data
        end
        return out
      end
      """;

  /**
   * Publishes. KEYS[1] the stream; ARGV: channel, replayMax, event ('' for none), data, and a floor: the
   * newest id this instance knows for the topic ('' for none) as its millis and the id right after it.
   * Returns {id, receivers}.
   *
   * <p>The floor only matters when the stream is gone (FLUSHALL, a Redis restart without persistence)
   * and the clock has not yet passed the ids issued before: then the id continues after the floor
   * instead of going back.
   */
  static final String PUBLISH = """
      local key = KEYS[1]
      local max = tonumber(ARGV[2])
      local id = '*'
      local length = redis.call('XLEN', key)
      if length == 0 and ARGV[5] ~= '' and redis.call('EXISTS', key) == 0 then
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        if now <= tonumber(ARGV[5]) then id = ARGV[6] end
      end
      local trimmed = ''
      local excess = length + 1 - max
      if excess > 0 and length > 0 then
        local first = redis.call('XRANGE', key, '-', '+', 'COUNT', math.min(excess, length))
        trimmed = first[#first][1]
      end
      local added
      if ARGV[3] == '' then
        added = redis.call('XADD', key, 'MAXLEN', '=', ARGV[2], id, 'd', ARGV[4])
      else
        added = redis.call('XADD', key, 'MAXLEN', '=', ARGV[2], id, 'e', ARGV[3], 'd', ARGV[4])
      end
      if max == 0 then trimmed = added end
      if trimmed ~= '' then redis.call('XSETID', key, added, 'MAXDELETEDID', trimmed) end
      local receivers = redis.call('PUBLISH', ARGV[1], added .. '\\n' .. ARGV[3] .. '\\n' .. ARGV[4])
      return {added, receivers}
      """;

  /**
   * {@link #PUBLISH} for a Redis Cluster: {@code SPUBLISH}, so the message goes only to the shard that
   * owns the topic's slot (the channel shares the stream's slot through the {@code {topic}} hash tag).
   */
  static final String SHARDED_PUBLISH = PUBLISH.replace("redis.call('PUBLISH',", "redis.call('SPUBLISH',");

  /**
   * Reads the newest entries. KEYS[1] the stream; ARGV[1] the count. Returns {head, oldest ('' if
   * none), {id, event, data, ...} oldest first}.
   */
  static final String READ_LAST = COMMON + """
      local key = KEYS[1]
      if redis.call('EXISTS', key) == 0 then return {'0-0', '', {}} end
      local fields = info(key)
      local out = {}
      local count = tonumber(ARGV[1])
      if count > 0 and fields['length'] > 0 then
        local entries = redis.call('XREVRANGE', key, '+', '-', 'COUNT', count)
        flatten(entries, out, #entries, 1, -1)
      end
      return {fields['last-generated-id'], oldest(fields), out}
      """;

  /**
   * Reads the entries after an id. KEYS[1] the stream; ARGV[1] the id. The read is complete when the id
   * is the head, the newest id removed, or an entry still held: then everything after it is held.
   * Returns {head, oldest ('' if none), complete (1 or 0), {id, event, data, ...} oldest first}: the
   * entries after the id when complete, else all of them.
   */
  static final String READ_AFTER = COMMON + """
      local key = KEYS[1]
      local after = ARGV[1]
      if redis.call('EXISTS', key) == 0 then
        if after == '0-0' then return {'0-0', '', 1, {}} end
        return {'0-0', '', 0, {}}
      end
      local fields = info(key)
      local head = fields['last-generated-id']
      local complete = after == head or after == fields['max-deleted-entry-id']
      if not complete and fields['length'] > 0 then
        complete = #redis.call('XRANGE', key, after, after) > 0
      end
      local entries
      if complete and after == head then
        entries = {}
      elseif complete then
        entries = redis.call('XRANGE', key, '(' .. after, '+')
      else
        entries = redis.call('XRANGE', key, '-', '+')
      end
      local flag = 0
      if complete then flag = 1 end
      return {head, oldest(fields), flag, flatten(entries, {}, 1, #entries, 1)}
      """;

  /**
   * Empties the stream but keeps the key, so its last id (and the newest id removed, recorded here)
   * survive and ids keep increasing. KEYS[1] the stream. Returns the number of entries removed.
   */
  static final String CLEAR = COMMON + """
      local key = KEYS[1]
      if redis.call('EXISTS', key) == 0 then return 0 end
      local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
      if #last == 0 then return 0 end
      local head = info(key)['last-generated-id']
      local removed = redis.call('XTRIM', key, 'MAXLEN', 0)
      redis.call('XSETID', key, head, 'MAXDELETEDID', last[1][1])
      return removed
      """;
}
