include wbe
