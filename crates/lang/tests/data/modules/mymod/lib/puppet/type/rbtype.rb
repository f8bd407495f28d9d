Puppet::Type.newtype(:rbtype) do
end
