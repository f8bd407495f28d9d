Puppet::Functions.create_function(:'mymod::rbonly') do
end
