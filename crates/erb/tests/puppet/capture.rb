# The Puppet 7 side of the ERB differential test (crates/erb/tests/puppet.rs).
#
# Compiles each manifest given on the command line with Puppet 7 itself (modules from
# MODULEPATH, Debian 12 facts from facts.json) and records every ERB template Puppet
# renders on the way, through its own Puppet::Parser::TemplateWrapper: the variables the
# wrapper binds (scope.to_hash), everything the template asks its scope (lookups,
# setvar, function calls, with Puppet's answers) in order, and the output (or the error).
# A manifest with a line `# expect: error` must fail (its template raises).
# A manifest's first line `# facts: {...}` adds facts. Prints one JSON document:
# {"cases": [...], "errors": [...], "compile_seconds": {...}}. Changes nothing on the
# machine: settings and caches go to a temporary directory.
require 'puppet'
require 'json'
require 'tmpdir'

modulepath, facts_file, *manifests = ARGV
tmp = Dir.mktmpdir('converge-erb-capture')
Puppet.initialize_settings(["--confdir=#{tmp}/conf", "--vardir=#{tmp}/var", "--codedir=#{tmp}/code",
                            "--logdir=#{tmp}/log", "--rundir=#{tmp}/run", "--modulepath=#{modulepath}",
                            '--strict=warning'])

# Values as the wire format of crates/erb/src/wire.rs.
def enc(v, depth = 0)
  raise 'value nested too deep' if depth > 200
  case v
  when nil, true, false, String, Integer then v
  when Float then v.finite? ? v : { '$float' => v.to_s }
  when Symbol then { '$sym' => v.to_s }
  when Array then v.map { |x| enc(x, depth + 1) }
  when Hash then { '$hash' => v.map { |k, x| [enc(k, depth + 1), enc(x, depth + 1)] } }
  when Regexp then { '$re' => v.source, 'opts' => v.options }
  when Puppet::Pops::Types::PSensitiveType::Sensitive
    { '$obj' => 'Puppet::Pops::Types::PSensitiveType::Sensitive', 's' => v.to_s }
  else { '$obj' => v.class.name, 's' => v.to_s }
  end
end

$cases = []
$stack = []

# The scope a recorded template sees: Puppet's, with its answers written down.
class RecordingScope < BasicObject
  def initialize(scope, rec)
    @scope = scope
    @rec = rec
  end

  def __event(e)
    @rec['events'] << e
  end

  def [](name, *rest)
    v = @scope.__send__(:[], name, *rest)
    __event('lookup' => name.to_s, 'value' => enc(v))
    v
  end

  def lookupvar(name, *rest)
    v = @scope.lookupvar(name, *rest)
    __event('lookup' => name.to_s, 'value' => enc(v))
    v
  end

  def include?(name)
    v = @scope.include?(name)
    __event('exists' => name.to_s, 'value' => v)
    v
  end
  alias exist? include?

  def setvar(name, value, *rest)
    __event('set' => name.to_s, 'value' => enc(value))
    @scope.setvar(name, value, *rest)
  end

  def call_function(name, args = [], &block)
    __record_call(name.to_s, args) { @scope.call_function(name, args, &block) }
  end

  def __record_call(name, args)
    e = { 'call' => name, 'args' => enc(args) }
    __event(e)
    begin
      v = yield
      e['value'] = enc(v)
      v
    rescue ::StandardError => err
      e['raise'] = err.message
      ::Kernel.raise
    end
  end

  def method_missing(m, *args, &block)
    if m.to_s.start_with?('function_')
      __record_call(m.to_s.sub('function_', ''), args[0]) { @scope.__send__(m, *args, &block) }
    else
      @scope.__send__(m, *args, &block)
    end
  end

  def respond_to_missing?(m, priv = false)
    @scope.respond_to?(m, priv)
  end
end

class Puppet::Parser::TemplateWrapper
  alias_method :__converge_orig_result, :result

  def result(string = nil)
    rec = { 'template' => string ? nil : @__file__, 'inline' => string, 'events' => [] }
    rec['vars'] = scope.to_hash.transform_values { |v| enc(v) }
    real = @__scope__
    @__scope__ = RecordingScope.new(real, rec)
    begin
      out = __converge_orig_result(string)
      rec['output'] = out
      out
    rescue Exception => e
      rec['error'] = { 'class' => e.class.name, 'message' => e.message }
      raise
    ensure
      @__scope__ = real
      $cases << rec
    end
  end
end

facts = JSON.parse(File.read(facts_file))
errors = []
timings = {}
manifests.each_with_index do |m, i|
  # A fresh environment per manifest: Puppet's loaders keep what a compile defined.
  env = Puppet::Node::Environment.create(:"capture#{i}", [modulepath])
  code = File.read(m)
  # A first line `# facts: {...}` adds to (or replaces) the Debian 12 facts.
  extra = code[/\A# facts: (\{.*\})$/, 1]
  node_facts = extra ? facts.merge(JSON.parse(extra)) : facts
  name = node_facts['networking']['fqdn']
  node = Puppet::Node.new(name, environment: env, facts: Puppet::Node::Facts.new(name, node_facts))
  node.merge(node_facts)
  before = $cases.size
  begin
    t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    Puppet.override(current_environment: env) do
      Puppet[:code] = code
      Puppet::Parser::Compiler.compile(node)
    end
    timings[File.basename(m)] = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0
  rescue Exception => e
    # A manifest whose comments say `# expect: error` is there to fail.
    errors << { 'manifest' => m, 'message' => e.message } unless code =~ /^# expect: error$/
  end
  $cases[before..].each { |c| c['manifest'] = File.basename(m) }
end
puts JSON.generate('cases' => $cases, 'errors' => errors, 'compile_seconds' => timings)
