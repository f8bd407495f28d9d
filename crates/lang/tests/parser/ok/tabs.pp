package	{	'nginx':
	ensure	=>	installed,
}
