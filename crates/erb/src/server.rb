# converge's ERB fallback: renders templates with Ruby's own ERB the way Puppet 7's
# Puppet::Parser::TemplateWrapper does (trim_mode '-', the caller's variables as instance
# variables, `scope` answering lookups and function calls), for the templates converge's
# native renderer declines. One process serves a whole compile: requests and answers are
# JSON lines on stdin/stdout (see crates/erb/src/wire.rs); the scope's lookups and
# function calls go back to converge as questions on the same pipe.
require 'erb'
require 'json'
require 'ipaddr'

PROTO_OUT = $stdout.dup
PROTO_OUT.sync = true
# Whatever a template prints goes to stderr, never into the protocol.
$stdout.reopen($stderr)

module Puppet
  class Error < RuntimeError; end
  class ParseError < Error; end
  module Parser; end
end

# An answer that ends the render: the compile cannot go on.
class ConvergeAbort < Exception; end

# A Puppet value without a Ruby data equivalent (a type, a resource reference).
class ConvergeOpaque
  def initialize(klass, text)
    @klass = klass
    @text = text
  end

  def to_s
    @text
  end

  def inspect
    @klass.end_with?('Sensitive') ? '#<Sensitive [value redacted]>' : "#<#{@klass} #{@text}>"
  end
end

module ConvergeWire
  @refs = {}

  def self.decode(v)
    case v
    when Array then v.map { |x| decode(x) }
    when Hash
      if v.key?('$ref')
        @refs.fetch(v['$ref'])
      elsif v.key?('$def')
        obj = decode(v['v'])
        @refs[v['$def']] = obj
        obj
      elsif v.key?('$hash')
        h = {}
        v['$hash'].each { |k, x| h[decode(k)] = decode(x) }
        h
      elsif v.key?('$sym') then v['$sym'].to_sym
      elsif v.key?('$float') then { 'Infinity' => Float::INFINITY, '-Infinity' => -Float::INFINITY }.fetch(v['$float'], Float::NAN)
      elsif v.key?('$re') then Regexp.new(v['$re'], v['opts'])
      elsif v.key?('$range') then Range.new(decode(v['$range'][0]), decode(v['$range'][1]), v['$range'][2])
      elsif v.key?('$obj') then ConvergeOpaque.new(v['$obj'], v['s'])
      else raise "bad value #{v.inspect}"
      end
    else v
    end
  end

  def self.encode(v, depth = 0)
    raise ArgumentError, 'value nested too deep' if depth > 200
    case v
    when nil, true, false, String then v
    when Integer then v
    when Float then v.finite? ? v : { '$float' => v.to_s }
    when Symbol then { '$sym' => v.to_s }
    when Array then v.map { |x| encode(x, depth + 1) }
    when Hash then { '$hash' => v.map { |k, x| [encode(k, depth + 1), encode(x, depth + 1)] } }
    when Regexp then { '$re' => v.source, 'opts' => v.options }
    when Range then { '$range' => [encode(v.begin, depth + 1), encode(v.end, depth + 1), v.exclude_end?] }
    else { '$obj' => v.class.name, 's' => v.to_s }
    end
  end

  def self.send_msg(h)
    PROTO_OUT.puts(JSON.generate(h))
  end

  def self.ask(h)
    send_msg(h)
    line = $stdin.gets
    raise ConvergeAbort, 'converge closed the pipe' unless line
    reply = JSON.parse(line)
    raise ConvergeAbort, 'aborted' if reply['abort']
    raise Puppet::ParseError, reply['raise'] if reply.key?('raise')
    decode(reply['value'])
  end
end

class ConvergeScope
  def [](name, _options = {})
    ConvergeWire.ask('lookup' => name.to_s)
  end
  alias lookupvar []

  def include?(name)
    ConvergeWire.ask('exists' => name.to_s)
  end
  alias exist? include?

  def setvar(name, value, _options = {})
    ConvergeWire.ask('set' => name.to_s, 'value' => ConvergeWire.encode(value))
    value
  end

  def []=(name, value)
    setvar(name, value)
  end

  def call_function(name, args = [])
    ConvergeWire.ask('call' => name.to_s, 'args' => Array(args).map { |a| ConvergeWire.encode(a) })
  end

  def method_missing(m, *args, &block)
    if m.to_s.start_with?('function_')
      unless args.size == 1 && args[0].is_a?(Array)
        raise ArgumentError, 'custom functions must be called with a single array that contains the arguments. For example, function_example([1]) instead of function_example(1)'
      end
      call_function(m.to_s.sub('function_', ''), args[0])
    else
      super
    end
  end

  def respond_to_missing?(m, priv = false)
    m.to_s.start_with?('function_') || super
  end

  def to_s
    'Scope()'
  end
end

class Puppet::Parser::TemplateWrapper
  def initialize(file)
    @__scope__ = ConvergeScope.new
    @__file__ = file
  end

  def file
    @__file__
  end

  def scope
    @__scope__
  end

  def has_variable?(name)
    scope.include?(name.to_s)
  end

  def tags
    raise NotImplementedError, "Call 'all_tags' instead."
  end

  def to_s
    "template[#{@__file__ || 'inline'}]"
  end

  def __converge_result(string, vars)
    vars.each do |name, value|
      instance_variable_set("@#{name.gsub(/[^\w]/, '_')}", value)
    end
    template = ERB.new(string, trim_mode: '-')
    template.filename = @__file__ || '(erb)'
    template.result(binding)
  end
end

while (line = $stdin.gets)
  req = JSON.parse(line)['render']
  begin
    vars = {}
    req['vars'].each { |k, v| vars[k] = ConvergeWire.decode(v) }
    wrapper = Puppet::Parser::TemplateWrapper.new(req['file'])
    out = wrapper.__converge_result(req['source'], vars)
    ConvergeWire.send_msg('done' => out)
  rescue ConvergeAbort
    ConvergeWire.send_msg('aborted' => true)
  rescue Exception => e
    name = req['file'] || '(erb)'
    frame = (e.backtrace || []).find { |l| l.start_with?("#{name}:") }
    line_no = frame ? frame[name.length + 1..].to_i : (e.is_a?(SyntaxError) ? (e.message[/:(\d+):/, 1] || 0).to_i : 0)
    ConvergeWire.send_msg('error' => { 'class' => e.class.name, 'message' => e.message, 'line' => line_no })
  end
end
