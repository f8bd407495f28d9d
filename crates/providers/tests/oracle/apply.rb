# The oracle for tests/oracle.rs: applies one test case's resources with Puppet 7 itself and
# the Debian-packaged modules' own Ruby types (concat, inifile, stdlib's anchor), in one
# process, to files under the case's temporary directory only.
#
# Usage: ruby apply.rb CASE.json VARDIR
# CASE.json: {"resources": [{"type": ..., "title": ..., "params": {...}}, ...]} with paths
# already pointing into the temporary directory. Prints nothing on success; the caller
# compares the files. Refresh events are not sent (no relationships), as in the data tests.
require 'json'
require 'puppet'

vardir = ARGV.fetch(1)
Puppet.initialize_settings(['--vardir', vardir, '--confdir', vardir, '--codedir', vardir,
                            '--logdir', vardir, '--rundir', vardir])
%w[concat inifile stdlib].each do |m|
  $LOAD_PATH.unshift("/usr/share/puppet/modules/#{m}/lib")
end
Puppet[:show_diff] = false

kase = JSON.parse(File.read(ARGV.fetch(0)))
catalog = Puppet::Resource::Catalog.new('oracle')
kase.fetch('resources').each do |r|
  params = r.fetch('params', {}).transform_keys(&:to_sym)
  res = Puppet::Type.type(r.fetch('type').to_sym).new(params.merge(title: r.fetch('title')))
  catalog.add_resource(res)
end
report = catalog.apply.report
failed = report.resource_statuses.values.select(&:failed)
unless failed.empty?
  warn failed.map { |s| "#{s.resource}: #{s.events.map(&:message).join('; ')}" }.join("\n")
  exit 1
end
