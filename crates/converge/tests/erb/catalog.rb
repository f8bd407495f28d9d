# The Puppet 7 side of crates/converge/tests/erb.rs: compiles each manifest given on
# the command line with Puppet itself and prints, per manifest, the content of every
# File and the message of every Notify in the catalog, the messages the manifest's
# code logged (notice, warning, ...), or the compile error. Changes nothing on the
# machine: settings and caches go to a temporary directory.
require 'puppet'
require 'json'
require 'tmpdir'

modulepath, facts_file, *manifests = ARGV
tmp = Dir.mktmpdir('converge-erb-catalog')
Puppet.initialize_settings(["--confdir=#{tmp}/conf", "--vardir=#{tmp}/var", "--codedir=#{tmp}/code",
                            "--logdir=#{tmp}/log", "--rundir=#{tmp}/run", "--modulepath=#{modulepath}"])
$logs = []
Puppet::Util::Log.newdesttype :converge_collect do
  def handle(msg)
    $logs << [msg.level.to_s, msg.message] if msg.source.to_s.start_with?('Scope(')
  end
end
Puppet::Util::Log.newdestination(:converge_collect)
Puppet::Util::Log.level = :info

facts = JSON.parse(File.read(facts_file))
out = {}
manifests.each_with_index do |m, i|
  env = Puppet::Node::Environment.create(:"erb#{i}", modulepath.split(':'))
  name = facts['networking']['fqdn']
  node = Puppet::Node.new(name, environment: env, facts: Puppet::Node::Facts.new(name, facts))
  node.merge(facts)
  $logs = []
  res = {}
  begin
    catalog = Puppet.override(current_environment: env) do
      Puppet[:code] = File.read(m)
      Puppet::Parser::Compiler.compile(node)
    end
    catalog.resources.each do |r|
      case r.type
      when 'File' then res["File[#{r.title}]"] = r[:content]
      when 'Notify' then res["Notify[#{r.title}]"] = r[:message]
      end
    end
    out[File.basename(m)] = { 'resources' => res, 'logs' => $logs }
  rescue Exception => e
    out[File.basename(m)] = { 'error' => e.message, 'logs' => $logs }
  end
end
puts JSON.generate(out)
