# Compile a control repository's catalog for one node with Puppet's own compiler, in this
# process, changing nothing on the machine (settings and caches live in a temporary dir).
# usage: ruby puppet_compile.rb ENV_DIR MODULEPATH(colon-separated) NODE FACTS.json
require 'puppet'
require 'json'
require 'tmpdir'

env_dir, modulepath, node_name, facts_file = ARGV
Dir.mktmpdir('converge-puppet') do |tmp|
  Puppet.initialize_settings(['--confdir', tmp, '--vardir', tmp, '--codedir', tmp,
                              '--logdir', tmp, '--rundir', tmp, '--certname', node_name])
  env = Puppet::Node::Environment.create(:production, modulepath.split(':'),
                                          File.join(env_dir, 'manifests', 'site.pp'))
  envs = Puppet::Environments::StaticDirectory.new(:production, env_dir, env)
  Puppet.override(environments: envs, current_environment: env) do
    facts = Puppet::Node::Facts.new(node_name, JSON.parse(File.read(facts_file)))
    # As `puppet apply` does: clientcert, clientversion and clientnoop join the facts.
    facts.add_local_facts
    node = Puppet::Node.new(node_name, facts: facts, environment: env)
    node.merge(facts.values)
    node.parameters['clientcert'] = node_name
    node.trusted_data = Puppet::Context::TrustedInformation.local(node).to_h
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    catalog = Puppet::Parser::Compiler.compile(node)
    if ENV['CONVERGE_COMPILE_TIME']
      warn "compile_seconds=#{Process.clock_gettime(Process::CLOCK_MONOTONIC) - started}"
    end
    puts JSON.pretty_generate(catalog.to_data_hash)
  end
rescue StandardError => e
  warn "puppet: #{e.message}"
  exit 1
end
