# Evaluates every case of the given .cases files with Puppet 7 itself, in one Ruby process
# (one `puppet apply` per case would cost 2+ s each), and prints the expected answers in
# the format of the committed `.puppet` snapshot files (see ../expressions.rs).
#
#   ruby oracle.rb MODULEPATH FILE.cases...
#
# Each case gets a fresh catalog compiler, so cases cannot see each other's variables or
# resources. The answer is the value of the case's last expression as Puppet's `%p` format
# prints it, after any messages logged while evaluating it; or the error's message without
# Puppet's wrapping ("Evaluation Error: Error while evaluating a Function Call, ") and with
# its line.
require 'puppet'
require 'puppet_pal'

modulepath, *files = ARGV
# stdlib's deprecation warnings are once per process (and name the oracle's own paths):
# its own switch turns them off, and the suite's converge side does the same.
ENV['STDLIB_LOG_DEPRECATIONS'] = 'false'
Puppet.initialize_settings([
  '--confdir', File.join(Dir.tmpdir, 'converge-oracle', 'conf'),
  '--vardir', File.join(Dir.tmpdir, 'converge-oracle', 'var'),
  '--codedir', File.join(Dir.tmpdir, 'converge-oracle', 'code'),
  '--certname', 'testnode',
  '--no-strict_variables',
  '--strict=warning',
])

# Messages logged while a case runs (notice(), warnings).
class CaseLog
  attr_reader :lines
  def initialize; @lines = []; end
  def <<(msg)
    return unless [:notice, :warning, :err].include?(msg.level)
    text = msg.message.to_s
    return if text.start_with?('Compiled catalog')
    @lines << "#{msg.level == :err ? 'error' : msg.level}: #{text.lines.map(&:chomp).join("\n    ")}"
  end
end

# The essential part of a Puppet error: the message without the evaluator's wrapping and
# without its location, which is printed apart as "(line N)".
def essential(e)
  msg = e.message.dup
  return "error: Puppet failed: #{e.class}" unless e.is_a?(Puppet::Error) || e.is_a?(ArgumentError) || e.is_a?(TypeError)
  line = e.respond_to?(:line) ? e.line : nil
  if (m = msg.match(/ \((?:file: [^,]*, )?line: (\d+)(?:, column: \d+)?\)(?: on node \S+)?\z/))
    line ||= m[1].to_i
    msg = msg[0, m.begin(0)]
  end
  msg = msg.sub(/ on node \S+\z/, '')
  msg = msg.sub(/\AEvaluation Error: /, '')
  msg = msg.sub(/\AError while evaluating a [\w ]+?, /, '')
  msg = msg.sub(/\A'\w+' /, '') # "'new' The string ..." names the function first
  loc = line ? " (line #{line})" : ''
  "error: #{msg.lines.map(&:chomp).join(' ')}#{loc}"
end

def read_cases(path)
  cases = []
  cur = nil
  File.readlines(path, chomp: true).each do |l|
    if cur
      cur << "\n" << l.chomp('\\')
      cur = (cases << cur; nil) unless l.end_with?('\\')
      next
    end
    next if l.strip.empty? || l.start_with?('#')
    if l.end_with?('\\')
      cur = l.chomp('\\')
    else
      cases << l
    end
  end
  cases << cur if cur
  cases
end

CONV = Puppet::Pops::Types::StringConverter.singleton

# A value as Puppet's `%p` writes it, except for what `%p` leaves to Ruby's `inspect`
# (object addresses): timestamps and timespans show their text, Sensitive its redaction.
def render(v)
  case v
  when Puppet::Pops::Time::Timestamp then "Timestamp('#{v}')"
  when Puppet::Pops::Time::Timespan then "Timespan('#{v}')"
  when Puppet::Pops::Types::PSensitiveType::Sensitive then 'Sensitive [value redacted]'
  when Array then "[#{v.map { |e| render(e) }.join(', ')}]"
  when Hash then "{#{v.map { |k, e| "#{render(k)} => #{render(e)}" }.join(', ')}}"
  else CONV.convert(v, '%p')
  end
end
# The facts `puppet apply` adds to the host's (Puppet::Node::Facts#add_local_facts), which
# Pal leaves out; the host's own are none. converge's side names its node 'testnode'.
LOCAL_FACTS = { 'clientcert' => 'testnode', 'clientversion' => Puppet.version.to_s, 'clientnoop' => false }
Puppet::Pal.in_tmp_environment('oracle', modulepath: [modulepath], facts: LOCAL_FACTS) do |pal|
  files.each do |file|
    puts "=== #{File.basename(file)}"
    read_cases(file).each do |src|
      log = CaseLog.new
      dest = Puppet::Test::LogCollector.new(log)
      Puppet::Util::Log.newdestination(dest)
      answer = begin
        pal.with_catalog_compiler do |c|
          # Pal's catalog compiler turns Puppet 8's strictness on; `puppet apply` in
          # Puppet 7 warns instead.
          Puppet[:strict_variables] = false
          Puppet[:strict] = :warning
          v = c.evaluate_string(src)
          "=> #{render(v)}"
        end
      rescue StandardError => e
        # The evaluator also logs the error it raises.
        log.lines.delete_if { |l| l.start_with?('error: ') && e.message.start_with?(l.sub('error: ', '').lines.first.chomp) }
        essential(e)
      ensure
        Puppet::Util::Log.close(dest)
      end
      puts src.lines.map(&:chomp).join("\n  | ")
      log.lines.each { |l| puts "  #{l}" }
      puts "  #{answer}"
    end
  end
end
