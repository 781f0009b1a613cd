if x:
	y = 1

	if y:
		pass
